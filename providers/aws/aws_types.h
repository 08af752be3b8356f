/*
 * driftmap AWS provider — the type table (providers/aws/aws_types.c).
 * Never installed.
 */
#ifndef DM_AWS_TYPES_H
#define DM_AWS_TYPES_H

#include "driftmap/types.h"

/** The AWS type table (static, borrowed; lives as long as the program). */
const dm_type_table *dm__aws_type_table(void);

#endif
