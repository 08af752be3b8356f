/* driftmap CLI — entry point and command dispatch. */
#include <stdio.h>
#include <string.h>
#include "cli.h"

static void usage(FILE *f)
{
	fputs("usage: driftmap <command> [options]\n"
	      "\n"
	      "Commands:\n"
	      "  scan       compare Terraform state with the live cloud and report drift\n"
	      "  diagram    draw the current, target or drift topology with Graphviz\n"
	      "  posture    evaluate segmentation, IAM and EKS posture rules over the live inventory\n"
	      "  history    list, show, compare and trend runs recorded with --store; prune\n"
	      "  inventory  collect the live inventory and save it for offline use\n"
	      "  ignore     append .driftignore entries for the findings of a JSON report\n"
	      "  providers  list built-in and plugin providers and their resource types\n"
	      "  version    print the version\n"
	      "\n"
	      "Run 'driftmap <command> --help' for the options of a command.\n"
	      "Exit codes: 0 no drift, 1 error, 2 drift found, 3 no drift but scan incomplete.\n",
	      f);
}

int main(int argc, char **argv)
{
	const char *cmd;

	if (argc < 2) {
		usage(stderr);
		return DM_EXIT_ERROR;
	}
	cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		usage(stdout);
		return DM_EXIT_OK;
	}
	if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
		if (argc > 2 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
			puts("usage: driftmap version\n\nPrint the driftmap version.");
			return DM_EXIT_OK;
		}
		printf("driftmap %s\n", dm_version());
		return DM_EXIT_OK;
	}
	if (strcmp(cmd, "scan") == 0)
		return cmd_scan(argc - 1, argv + 1);
	if (strcmp(cmd, "inventory") == 0)
		return cmd_inventory(argc - 1, argv + 1);
	if (strcmp(cmd, "providers") == 0)
		return cmd_providers(argc - 1, argv + 1);
	if (strcmp(cmd, "diagram") == 0)
		return cmd_diagram(argc - 1, argv + 1);
	if (strcmp(cmd, "posture") == 0)
		return cmd_posture(argc - 1, argv + 1);
	if (strcmp(cmd, "ignore") == 0)
		return cmd_ignore(argc - 1, argv + 1);
	if (strcmp(cmd, "history") == 0)
		return cmd_history(argc - 1, argv + 1);
	cli_error("unknown command '%s' (run 'driftmap --help')", cmd);
	return DM_EXIT_ERROR;
}
