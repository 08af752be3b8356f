/*
 * driftmap — source locations: where a state resource is declared in
 * Terraform configuration (internal, never installed).
 *
 * Given a state resource read from `git::REPO//PATH?ref=REF` at a commit (or
 * from a local path), find the `.tf` file and line declaring
 * `resource "TYPE" "NAME"`, starting in the directory of the state file and
 * following the module path of the address through local
 * `module "M" { source = "./..." }` calls. Git repositories are read from the
 * object database with libgit2 (no checkout). Directory scans are cached
 * per (repository, commit, directory).
 *
 * Ownership: a locator is created with dm__srcloc_new() and freed with
 * dm__srcloc_free(); strings it returns are borrowed and live as long as it.
 */
#ifndef DRIFTMAP_SOURCE_LOCATE_H
#define DRIFTMAP_SOURCE_LOCATE_H

#include <stddef.h>
#include "driftmap/common.h"

typedef struct dm__srcloc dm__srcloc;

int dm__srcloc_new(dm__srcloc **out, dm_ctx *ctx);
void dm__srcloc_free(dm__srcloc *l);

/**
 * Locate the declaration of the resource of TYPE at ADDRESS (full address,
 * `module.a.module.b.aws_subnet.private["x"]`) from the state at STATE_URI
 * (commit may be NULL: the ref of the URI, else HEAD).
 *
 * Returns 1 with *file (repository-relative for git, else a filesystem path)
 * and *line of the declaration; 2 when only a module call could be found
 * (a non-local module: *file and *line point at the `module "M"` block); 0 when
 * nothing was found (*file is the state file, *line 0; *file NULL when the
 * URI cannot be parsed); DM_ENOMEM on allocation failure. Unreadable
 * repositories, refs and files are not errors: they fall back.
 */
int dm__srcloc_find(dm__srcloc *l, const char *state_uri, const char *commit,
		    const char *type, const char *address,
		    const char **file, unsigned *line);

/* ---- the light HCL scan (exposed for tests) ---------------------------- */

typedef struct dm__hcl_decl {
	char kind;        /* 'r' resource, 'm' module */
	char *a;          /* resource type, or module name */
	char *b;          /* resource name, NULL for modules */
	char *source;     /* module source, NULL when absent */
	unsigned line;    /* 1-based line of the block's keyword */
} dm__hcl_decl;

/** Scan Terraform text for top-level resource and module blocks. */
int dm__hcl_scan(const char *text, size_t len, dm__hcl_decl **out, size_t *n);
void dm__hcl_decls_free(dm__hcl_decl *d, size_t n);

#endif
