/* Unit tests: the provider registry, the dlopen plugin loader and live collection. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "testutil.h"
#include "driftmap/driftmap.h"
#include "driftmap/sys/provider.h"

#define PLUGIN_DIR DM_BUILD_DIR "/plugins"
#define EXAMPLE_SO PLUGIN_DIR "/example_provider.so"
#define TOO_NEW_SO PLUGIN_DIR "/too_new_provider.so"
#define NO_ENTRY_SO PLUGIN_DIR "/no_entry_provider.so"

static dm_ctx *new_ctx(void)
{
	dm_ctx *ctx = NULL;

	assert_int_equal(dm_ctx_new(&ctx), 0);
	assert_non_null(ctx);
	return ctx;
}

/* Index of provider p in the registry, or SIZE_MAX. */
static size_t index_of(const dm_ctx *ctx, const struct dm_provider *p)
{
	size_t i;

	for (i = 0; i < dm_providers_count(ctx); i++) {
		if (dm_providers_at(ctx, i) == p)
			return i;
	}
	return SIZE_MAX;
}

static void copy_file(const char *from, const char *to)
{
	size_t len = 0;
	char *data = tu_read_file(from, &len);

	assert_non_null(data);
	assert_int_equal(tu_write_file(to, data, len), 0);
	free(data);
}

static void test_registry__lists_builtin_aws(void **state)
{
	dm_ctx *ctx = new_ctx();
	const struct dm_provider *aws = NULL;
	const dm_type_table *t = NULL;
	size_t i;

	(void)state;
	aws = dm_providers_find(ctx, "aws");
	assert_non_null(aws);
	assert_string_equal(dm_provider_name(aws), "aws");
	i = index_of(ctx, aws);
	assert_true(i != SIZE_MAX);
	assert_string_equal(dm_provider_origin(ctx, i), "built-in");
	t = dm_provider_types(aws);
	assert_non_null(t);
	assert_true(t->ntypes > 0);
	assert_non_null(dm_type_table_find(t, "aws_vpc"));
	/* out-of-range lookups are NULL, not crashes */
	assert_null(dm_providers_at(ctx, dm_providers_count(ctx)));
	assert_null(dm_provider_origin(ctx, dm_providers_count(ctx)));
	assert_null(dm_providers_find(ctx, "no-such-provider"));
	dm_ctx_free(ctx);
}

static void test_registry__loads_example_plugin(void **state)
{
	dm_ctx *ctx = new_ctx();
	size_t n0 = dm_providers_count(ctx), i;
	const struct dm_provider *p = NULL;
	const dm_type_table *t = NULL;

	(void)state;
	assert_null(dm_providers_find(ctx, "example"));
	assert_int_equal(dm_providers_load_plugin(ctx, EXAMPLE_SO), 0);
	assert_int_equal(dm_providers_count(ctx), n0 + 1);
	p = dm_providers_find(ctx, "example");
	assert_non_null(p);
	assert_string_equal(dm_provider_name(p), "example");
	assert_string_equal(dm_provider_description(p),
			    "Example provider from the driftmap test suite (widgets and gadgets)");
	t = dm_provider_types(p);
	assert_non_null(t);
	assert_string_equal(t->provider, "example");
	assert_int_equal(t->ntypes, 2);
	assert_string_equal(t->types[0].type, "example_widget");
	assert_string_equal(t->types[1].type, "example_gadget");
	assert_non_null(dm_type_table_find(t, "example_gadget"));
	i = index_of(ctx, p);
	assert_int_equal(i, n0); /* plugins come after the built-ins */
	assert_string_equal(dm_provider_origin(ctx, i), EXAMPLE_SO);
	if (n0 > 0) /* the built-ins are still there and still built-in */
		assert_string_equal(dm_provider_origin(ctx, 0), "built-in");

	/* Loading the same file again is a no-op, not a duplicate. */
	assert_int_equal(dm_providers_load_plugin(ctx, EXAMPLE_SO), 0);
	assert_int_equal(dm_providers_count(ctx), n0 + 1);
	dm_ctx_free(ctx);
}

static void test_registry__rejects_too_new_abi(void **state)
{
	dm_ctx *ctx = new_ctx();
	size_t n0 = dm_providers_count(ctx);

	(void)state;
	assert_int_equal(dm_providers_load_plugin(ctx, TOO_NEW_SO), DM_EVERSION);
	assert_int_equal(dm_ctx_last_error_code(ctx), DM_EVERSION);
	assert_string_equal(dm_ctx_last_error(ctx),
			    TOO_NEW_SO ": provider ABI version 99 is newer than this driftmap supports (1)");
	assert_int_equal(dm_providers_count(ctx), n0);
	assert_null(dm_providers_find(ctx, "too_new"));
	dm_ctx_free(ctx);
}

static void test_registry__rejects_missing_entry_point(void **state)
{
	dm_ctx *ctx = new_ctx();
	size_t n0 = dm_providers_count(ctx);

	(void)state;
	assert_int_equal(dm_providers_load_plugin(ctx, NO_ENTRY_SO), DM_EPLUGIN);
	assert_int_equal(dm_ctx_last_error_code(ctx), DM_EPLUGIN);
	assert_string_equal(dm_ctx_last_error(ctx),
			    NO_ENTRY_SO ": missing entry point driftmap_provider_entry");
	assert_int_equal(dm_providers_count(ctx), n0);
	assert_null(dm_providers_find(ctx, "no_entry"));
	dm_ctx_free(ctx);
}

static void test_registry__rejects_unloadable_files(void **state)
{
	dm_ctx *ctx = new_ctx();
	size_t n0 = dm_providers_count(ctx);
	char *dir = tu_mkdtemp();
	char path[4096];
	const char *msg = NULL;

	(void)state;
	/* missing file */
	snprintf(path, sizeof(path), "%s/absent.so", dir);
	assert_int_equal(dm_providers_load_plugin(ctx, path), DM_EPLUGIN);
	msg = dm_ctx_last_error(ctx);
	assert_true(strncmp(msg, path, strlen(path)) == 0);
	assert_non_null(strstr(msg, ": cannot load plugin: "));
	assert_non_null(strstr(msg, "No such file"));
	assert_null(strchr(msg, '\n'));

	/* not a shared object */
	snprintf(path, sizeof(path), "%s/text.so", dir);
	assert_int_equal(tu_write_file(path, "not an ELF file\n", 16), 0);
	assert_int_equal(dm_providers_load_plugin(ctx, path), DM_EPLUGIN);
	msg = dm_ctx_last_error(ctx);
	assert_true(strncmp(msg, path, strlen(path)) == 0);
	assert_non_null(strstr(msg, ": cannot load plugin: "));

	/* empty path */
	assert_int_equal(dm_providers_load_plugin(ctx, ""), DM_EINVAL);
	assert_int_equal(dm_providers_count(ctx), n0);
	tu_rmrf(dir);
	free(dir);
	dm_ctx_free(ctx);
}

static void test_registry__rejects_duplicate_provider_name(void **state)
{
	dm_ctx *ctx = new_ctx();
	char *dir = tu_mkdtemp();
	char copy[4096], want[8192];
	size_t n0 = dm_providers_count(ctx);

	(void)state;
	snprintf(copy, sizeof(copy), "%s/example_copy.so", dir);
	copy_file(EXAMPLE_SO, copy);
	assert_int_equal(dm_providers_load_plugin(ctx, EXAMPLE_SO), 0);
	/* A different file (another dlopen handle) claiming the same name. */
	assert_int_equal(dm_providers_load_plugin(ctx, copy), DM_EPLUGIN);
	snprintf(want, sizeof(want), "%s: provider \"example\" is already registered (%s)", copy,
		 EXAMPLE_SO);
	assert_string_equal(dm_ctx_last_error(ctx), want);
	assert_int_equal(dm_providers_count(ctx), n0 + 1);
	assert_string_equal(dm_provider_origin(ctx, index_of(ctx, dm_providers_find(ctx, "example"))),
			    EXAMPLE_SO);

	/* ... and the first one still works after the refusal. */
	assert_int_equal(dm_providers_load_plugin(ctx, EXAMPLE_SO), 0);
	assert_int_equal(dm_providers_count(ctx), n0 + 1);
	tu_rmrf(dir);
	free(dir);
	dm_ctx_free(ctx);
}

static void test_registry__loads_plugin_path_env(void **state)
{
	dm_ctx *ctx = NULL;
	char *dir = tu_mkdtemp();
	char path[4096], env[8192], want[4096];
	size_t n0;

	(void)state;
	/* unset or empty: nothing to do */
	unsetenv("DRIFTMAP_PLUGIN_PATH");
	ctx = new_ctx();
	n0 = dm_providers_count(ctx);
	assert_int_equal(dm_providers_load_env(ctx), 0);
	setenv("DRIFTMAP_PLUGIN_PATH", "", 1);
	assert_int_equal(dm_providers_load_env(ctx), 0);
	assert_int_equal(dm_providers_count(ctx), n0);
	dm_ctx_free(ctx);

	/* a directory: only regular *.so files, empty entries skipped */
	snprintf(path, sizeof(path), "%s/example.so", dir);
	copy_file(EXAMPLE_SO, path);
	snprintf(path, sizeof(path), "%s/README.txt", dir);
	assert_int_equal(tu_write_file(path, "not a plugin\n", 13), 0);
	snprintf(path, sizeof(path), "%s/.hidden.so", dir);
	assert_int_equal(tu_write_file(path, "not a plugin either\n", 20), 0);
	snprintf(path, sizeof(path), "%s/sub.so", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(env, sizeof(env), "::%s:", dir);
	setenv("DRIFTMAP_PLUGIN_PATH", env, 1);
	ctx = new_ctx();
	assert_int_equal(dm_providers_load_env(ctx), 0);
	assert_int_equal(dm_providers_count(ctx), n0 + 1);
	snprintf(want, sizeof(want), "%s/example.so", dir);
	assert_string_equal(dm_provider_origin(ctx, n0), want);
	assert_non_null(dm_providers_find(ctx, "example"));
	dm_ctx_free(ctx);

	/* a file entry */
	setenv("DRIFTMAP_PLUGIN_PATH", EXAMPLE_SO, 1);
	ctx = new_ctx();
	assert_int_equal(dm_providers_load_env(ctx), 0);
	assert_string_equal(dm_provider_origin(ctx, n0), EXAMPLE_SO);
	dm_ctx_free(ctx);

	/* the test plugin directory: sorted order, so example_provider.so loads and
	 * no_entry_provider.so stops the walk before too_new_provider.so */
	setenv("DRIFTMAP_PLUGIN_PATH", PLUGIN_DIR, 1);
	ctx = new_ctx();
	assert_int_equal(dm_providers_load_env(ctx), DM_EPLUGIN);
	assert_string_equal(dm_ctx_last_error(ctx),
			    PLUGIN_DIR "/no_entry_provider.so: missing entry point driftmap_provider_entry");
	assert_non_null(dm_providers_find(ctx, "example"));
	assert_null(dm_providers_find(ctx, "too_new"));
	dm_ctx_free(ctx);

	/* an entry that does not exist is an error naming it */
	snprintf(env, sizeof(env), "%s:%s/missing", EXAMPLE_SO, dir);
	setenv("DRIFTMAP_PLUGIN_PATH", env, 1);
	ctx = new_ctx();
	assert_int_equal(dm_providers_load_env(ctx), DM_EPLUGIN);
	snprintf(want, sizeof(want), "DRIFTMAP_PLUGIN_PATH: %s/missing: No such file or directory",
		 dir);
	assert_string_equal(dm_ctx_last_error(ctx), want);
	dm_ctx_free(ctx);

	unsetenv("DRIFTMAP_PLUGIN_PATH");
	tu_rmrf(dir);
	free(dir);
}

static void test_provider_error__sets_one_line_message(void **state)
{
	dm_ctx *ctx = new_ctx();

	(void)state;
	assert_int_equal(dm_provider_error(ctx, DM_EAPI, "ec2:DescribeVpcs: %s\nline %d", "denied", 2),
			 DM_EAPI);
	assert_string_equal(dm_ctx_last_error(ctx), "ec2:DescribeVpcs: denied line 2");
	assert_int_equal(dm_ctx_last_error_code(ctx), DM_EAPI);
	/* a non-negative code is still an error */
	assert_int_equal(dm_provider_error(ctx, 0, "oops"), DM_ERROR);
	assert_int_equal(dm_ctx_last_error_code(ctx), DM_ERROR);
	assert_int_equal(dm_provider_error(NULL, DM_EAPI, "no ctx"), DM_EAPI);
	dm_ctx_free(ctx);
}

/* ---- live collection ------------------------------------------------------ */

static dm_ctx *ctx_with_example(void)
{
	dm_ctx *ctx = new_ctx();

	assert_int_equal(dm_providers_load_plugin(ctx, EXAMPLE_SO), 0);
	return ctx;
}

static const dm_scope *scope_by_api(const dm_inventory *inv, const char *api)
{
	size_t i;

	for (i = 0; i < dm_inventory_scope_count(inv); i++) {
		const dm_scope *s = dm_inventory_scope_at(inv, i);
		if (strcmp(s->api, api) == 0)
			return s;
	}
	return NULL;
}

static void test_collect__example_plugin_fills_live_inventory(void **state)
{
	dm_ctx *ctx = ctx_with_example();
	const char *providers[] = {"example", "example"};
	const char *regions[] = {"eu-west-1"};
	const char *kv[] = {"greeting=hi", "example.greeting=hey", "other.greeting=no"};
	dm_collect_options o;
	dm_inventory *live = NULL;
	const dm_resource *w1 = NULL, *g1 = NULL;
	const dm_scope *sw = NULL, *sg = NULL;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.providers = providers;
	o.nproviders = 2; /* duplicates run once */
	o.regions = regions;
	o.nregions = 1;
	o.option_kv = kv;
	o.noptions = 3;
	assert_int_equal(dm_collect_live(&live, ctx, &o, NULL), 0);
	assert_non_null(live);
	assert_int_equal(dm_inventory_count(live), 3);
	w1 = dm_inventory_find(live, "example", "example_widget", "w-1");
	assert_non_null(w1);
	assert_non_null(dm_inventory_find(live, "example", "example_widget", "w-2"));
	g1 = dm_inventory_find(live, "example", "example_gadget", "g-1");
	assert_non_null(g1);
	assert_string_equal(w1->region, "eu-west-1");
	assert_string_equal(w1->account, "000000000042");
	assert_int_equal(json_integer_value(json_object_get(w1->attrs, "size")), 1);
	assert_string_equal(json_string_value(json_object_get(w1->attrs, "greeting")), "hey");
	/* no state: every hint says "the state may hold it" */
	assert_true(json_is_true(json_object_get(w1->attrs, "state_has_gadget")));
	assert_true(json_is_true(json_object_get(w1->attrs, "state_has_widget_size")));
	assert_int_equal(json_integer_value(json_object_get(w1->attrs, "concurrency")), 16);
	assert_int_equal(json_array_size(json_object_get(g1->attrs, "ports")), 2);

	assert_int_equal(dm_inventory_scope_count(live), 2);
	sw = scope_by_api(live, "widgets:ListWidgets");
	sg = scope_by_api(live, "gadgets:ListGadgets");
	assert_non_null(sw);
	assert_non_null(sg);
	assert_string_equal(sw->provider, "example"); /* filled in by the host */
	assert_int_equal(sw->complete, 1);
	assert_null(sw->error);
	assert_int_equal(sw->api_calls, 2);
	assert_int_equal(sg->complete, 0);
	assert_string_equal(sg->error, "gadgets:ListGadgets: HTTP 503 after 3 attempts");
	assert_string_equal(sg->region, "eu-west-1");
	assert_int_equal(dm_inventory_type_complete(live, "example", NULL, NULL, "example_widget"), 1);
	assert_int_equal(dm_inventory_type_complete(live, "example", NULL, NULL, "example_gadget"), 0);
	dm_inventory_free(live);

	/* concurrency and the unscoped option reach the provider */
	kv[1] = "greeting=last-wins";
	o.noptions = 2;
	o.concurrency = 3;
	assert_int_equal(dm_collect_live(&live, ctx, &o, NULL), 0);
	w1 = dm_inventory_find(live, "example", "example_widget", "w-1");
	assert_non_null(w1);
	assert_string_equal(json_string_value(json_object_get(w1->attrs, "greeting")), "last-wins");
	assert_int_equal(json_integer_value(json_object_get(w1->attrs, "concurrency")), 3);
	dm_inventory_free(live);
	dm_ctx_free(ctx);
}

static void add_state_res(dm_inventory *st, const char *provider, const char *type, const char *id,
			  json_t *attrs, unsigned flags)
{
	dm_resource r;

	memset(&r, 0, sizeof(r));
	r.provider = provider;
	r.type = type;
	r.id = id;
	r.attrs = attrs;
	r.address = "example_widget.main";
	r.source_uri = "test.tfstate";
	r.flags = flags;
	assert_int_equal(dm_inventory_add(st, &r, NULL), 0);
}

static void test_collect__picks_providers_and_hints_from_state(void **state)
{
	dm_ctx *ctx = ctx_with_example();
	dm_inventory *st = NULL, *live = NULL;
	const dm_resource *w1 = NULL;
	size_t i;

	(void)state;
	assert_int_equal(dm_inventory_new(&st), 0);
	/* the state names the provider the way Terraform 0.13+ writes it */
	add_state_res(st, "provider[\"registry.terraform.io/acme/example\"]", "example_widget", "w-1",
		      json_pack("{s:n, s:s}", "size", "colour", "red"), 0);
	/* a data source holding "size" does not count */
	add_state_res(st, "example", "example_widget", "w-9", json_pack("{s:i}", "size", 3),
		      DM_RES_DATA);
	/* a provider nobody registered is skipped, not an error */
	add_state_res(st, "google", "google_compute_network", "net-1", json_object(), 0);

	assert_int_equal(dm_collect_live(&live, ctx, NULL, st), 0);
	assert_int_equal(dm_inventory_count(live), 3);
	for (i = 0; i < dm_inventory_scope_count(live); i++)
		assert_string_equal(dm_inventory_scope_at(live, i)->provider, "example");
	for (i = 0; i < dm_inventory_count(live); i++)
		assert_string_equal(dm_inventory_at(live, i)->provider, "example");
	w1 = dm_inventory_find(live, "example", "example_widget", "w-1");
	assert_non_null(w1);
	assert_string_equal(w1->region, "local");
	assert_string_equal(json_string_value(json_object_get(w1->attrs, "greeting")), "hello");
	assert_true(json_is_false(json_object_get(w1->attrs, "state_has_gadget")));
	assert_true(json_is_false(json_object_get(w1->attrs, "state_has_widget_size")));
	assert_true(json_is_true(json_object_get(w1->attrs, "state_has_widget_colour")));
	dm_inventory_free(live);
	dm_inventory_free(st);
	dm_ctx_free(ctx);
}

static void test_collect__empty_state_means_no_hints_unless_a_state_was_read(void **state)
{
	dm_ctx *ctx = ctx_with_example();
	const char *providers[] = {"example"};
	dm_collect_options o;
	dm_inventory *st = NULL, *live = NULL;
	dm_source_info src;
	const dm_resource *w1 = NULL;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.providers = providers;
	o.nproviders = 1;
	/* nothing read (`driftmap inventory` without --state): every hint says yes */
	assert_int_equal(dm_inventory_new(&st), 0);
	assert_int_equal(dm_collect_live(&live, ctx, &o, st), 0);
	w1 = dm_inventory_find(live, "example", "example_widget", "w-1");
	assert_non_null(w1);
	assert_true(json_is_true(json_object_get(w1->attrs, "state_has_gadget")));
	dm_inventory_free(live);

	/* a state was read and it is empty: every hint says no */
	memset(&src, 0, sizeof(src));
	src.uri = "empty.tfstate";
	assert_int_equal(dm_inventory_add_source(st, &src), 0);
	assert_int_equal(dm_collect_live(&live, ctx, &o, st), 0);
	w1 = dm_inventory_find(live, "example", "example_widget", "w-1");
	assert_non_null(w1);
	assert_true(json_is_false(json_object_get(w1->attrs, "state_has_gadget")));
	assert_true(json_is_false(json_object_get(w1->attrs, "state_has_widget_colour")));
	dm_inventory_free(live);
	dm_inventory_free(st);
	dm_ctx_free(ctx);
}

static void test_collect__unknown_provider_is_an_error(void **state)
{
	dm_ctx *ctx = ctx_with_example();
	const char *providers[] = {"example", "nope"};
	dm_collect_options o;
	dm_inventory *live = NULL;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.providers = providers;
	o.nproviders = 2;
	assert_int_equal(dm_collect_live(&live, ctx, &o, NULL), DM_EINVAL);
	assert_null(live);
	assert_string_equal(dm_ctx_last_error(ctx),
			    "unknown provider \"nope\" (see `driftmap providers`)");
	dm_ctx_free(ctx);
}

static void test_collect__provider_failure_propagates(void **state)
{
	dm_ctx *ctx = ctx_with_example();
	const char *providers[] = {"example"};
	const char *kv[] = {"example.fail=1"};
	dm_collect_options o;
	dm_inventory *live = NULL;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.providers = providers;
	o.nproviders = 1;
	o.option_kv = kv;
	o.noptions = 1;
	assert_int_equal(dm_collect_live(&live, ctx, &o, NULL), DM_EAPI);
	assert_null(live);
	assert_int_equal(dm_ctx_last_error_code(ctx), DM_EAPI);
	assert_string_equal(dm_ctx_last_error(ctx), "provider \"example\": enumeration failed (error -11)");
	dm_ctx_free(ctx);
}

static void test_collect__bad_emit_fails_even_when_ignored(void **state)
{
	dm_ctx *ctx = ctx_with_example();
	const char *providers[] = {"example"};
	const char *kv[] = {"bad_emit=1"};
	dm_collect_options o;
	dm_inventory *live = NULL;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.providers = providers;
	o.nproviders = 1;
	o.option_kv = kv;
	o.noptions = 1;
	assert_int_equal(dm_collect_live(&live, ctx, &o, NULL), DM_EINVAL);
	assert_null(live);
	assert_string_equal(dm_ctx_last_error(ctx),
			    "provider \"example\" emitted a resource without an id (example_widget)");
	dm_ctx_free(ctx);
}

static void test_collect__rejects_malformed_option(void **state)
{
	dm_ctx *ctx = ctx_with_example();
	const char *providers[] = {"example"};
	const char *kv[] = {"greeting"};
	dm_collect_options o;
	dm_inventory *live = NULL;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.providers = providers;
	o.nproviders = 1;
	o.option_kv = kv;
	o.noptions = 1;
	assert_int_equal(dm_collect_live(&live, ctx, &o, NULL), DM_EINVAL);
	assert_null(live);
	assert_string_equal(dm_ctx_last_error(ctx), "provider option \"greeting\" is not KEY=VALUE");
	dm_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry__lists_builtin_aws),
		cmocka_unit_test(test_registry__loads_example_plugin),
		cmocka_unit_test(test_registry__rejects_too_new_abi),
		cmocka_unit_test(test_registry__rejects_missing_entry_point),
		cmocka_unit_test(test_registry__rejects_unloadable_files),
		cmocka_unit_test(test_registry__rejects_duplicate_provider_name),
		cmocka_unit_test(test_registry__loads_plugin_path_env),
		cmocka_unit_test(test_provider_error__sets_one_line_message),
		cmocka_unit_test(test_collect__example_plugin_fills_live_inventory),
		cmocka_unit_test(test_collect__picks_providers_and_hints_from_state),
		cmocka_unit_test(test_collect__empty_state_means_no_hints_unless_a_state_was_read),
		cmocka_unit_test(test_collect__unknown_provider_is_an_error),
		cmocka_unit_test(test_collect__provider_failure_propagates),
		cmocka_unit_test(test_collect__bad_emit_fails_even_when_ignored),
		cmocka_unit_test(test_collect__rejects_malformed_option),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
