/*
 * driftmap — the providers compiled into the library. The registry
 * (registry.c) registers them, in this order, when a context is created.
 * Test-only providers are plugins (tests/plugins/), never listed here.
 */
#include "providers/registry_internal.h"
#include "providers/aws/aws_provider.h"

typedef const dm_provider *(*builtin_fn)(void);

static const builtin_fn builtins[] = {
	dm__aws_provider,
};

size_t dm__builtin_count(void)
{
	return sizeof(builtins) / sizeof(builtins[0]);
}

const dm_provider *dm__builtin_at(size_t i)
{
	if (i >= dm__builtin_count())
		return NULL;
	return builtins[i]();
}
