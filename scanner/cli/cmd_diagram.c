/* driftmap CLI — `driftmap diagram` (wired to graph/ once the graph API lands). */
#include <stdio.h>
#include <string.h>
#include "cli.h"

int cmd_diagram(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_error("diagram: not built yet in this revision");
	return DM_EXIT_ERROR;
}
