/* driftmap — type table lookups. */
#include <string.h>
#include "internal.h"

const dm_type_spec *dm_type_table_find(const dm_type_table *t, const char *type)
{
	size_t i;

	if (!t || !type)
		return NULL;
	for (i = 0; i < t->ntypes; i++) {
		if (strcmp(t->types[i].type, type) == 0)
			return &t->types[i];
	}
	return NULL;
}

const dm_attr_spec *dm_type_attr(const dm_type_spec *t, const char *name)
{
	size_t i;

	if (!t || !name)
		return NULL;
	for (i = 0; i < t->nattrs; i++) {
		if (strcmp(t->attrs[i].name, name) == 0)
			return &t->attrs[i];
	}
	return NULL;
}
