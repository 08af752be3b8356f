/*
 * The built-in "aws" provider (dm_provider vtable). The pointer is borrowed
 * and valid for the life of the process.
 */
#ifndef DM_AWS_PROVIDER_H
#define DM_AWS_PROVIDER_H

#include "driftmap/sys/provider.h"

const dm_provider *dm__aws_provider(void);

#endif
