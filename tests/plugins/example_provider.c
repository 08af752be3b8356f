/*
 * A small, well-formed driftmap provider plugin used by the test suite and
 * shown in docs/plugins.md. It calls the host only through the request and
 * emit callbacks (plus jansson), so it loads into any host.
 *
 * Enumerates two widgets and one gadget in the first requested region
 * ("local" when none): the widget scope completes, the gadget scope fails
 * after the first page. Options (dm_collect_options.option_kv):
 *   greeting=TEXT   copied into widget w-1's "greeting" attribute
 *   fail=1          return DM_EAPI before emitting anything
 *   bad_emit=1      emit a resource without an id (and ignore the result)
 */
#include <string.h>
#include <jansson.h>
#include <driftmap/sys/provider.h>

static const dm_attr_spec widget_attrs[] = {
	{"size", DM_CMP_SCALAR, NULL, 0, NULL, NULL},
	{"tags", DM_CMP_TAGS, NULL, 0, NULL, NULL},
	{"updated_at", DM_CMP_IGNORE, NULL, 0, NULL, NULL},
};

static const dm_attr_spec gadget_attrs[] = {
	{"widget_id", DM_CMP_SCALAR, NULL, 0, "example_widget", "attached_to"},
	{"ports", DM_CMP_SET, NULL, 0, NULL, NULL},
};

static const dm_type_spec example_types[] = {
	{"example_widget", "widgets", "Widget", DM_TYPE_LIVE, widget_attrs,
	 sizeof(widget_attrs) / sizeof(widget_attrs[0]), NULL, NULL, NULL},
	{"example_gadget", "gadgets", "Gadget", DM_TYPE_LIVE, gadget_attrs,
	 sizeof(gadget_attrs) / sizeof(gadget_attrs[0]), NULL, NULL, NULL},
};

static const dm_type_table example_table = {
	"example", example_types, sizeof(example_types) / sizeof(example_types[0])
};

static const char *const widget_types[] = {"example_widget"};
static const char *const gadget_types[] = {"example_gadget"};

#define ACCOUNT "000000000042"

static int opt_on(const dm_provider_request *req, const char *name)
{
	const char *v = req->option ? req->option(req->host, name) : NULL;

	return v && strcmp(v, "1") == 0;
}

static int probe(const dm_provider_request *req, const char *type, const char *attr)
{
	if (!attr)
		return req->state_has_type ? req->state_has_type(req->host, type) : 1;
	return req->state_has_attr ? req->state_has_attr(req->host, type, attr) : 1;
}

/* Emit one resource; attrs is stolen. */
static int emit_one(const dm_emit *emit, const char *type, const char *id, const char *region,
		    json_t *attrs)
{
	dm_resource r;

	memset(&r, 0, sizeof(r));
	r.provider = "example";
	r.type = type;
	r.id = id;
	r.account = ACCOUNT;
	r.region = region;
	r.attrs = attrs;
	return emit->resource(emit->host, &r);
}

static int example_enumerate(const dm_provider *self, dm_ctx *ctx, const dm_provider_request *req,
			     const dm_emit *emit)
{
	const char *region = req->nregions > 0 ? req->regions[0] : "local";
	const char *greeting = req->option ? req->option(req->host, "greeting") : NULL;
	dm_scope s;
	json_t *a = NULL;
	int rc;

	(void)self;
	(void)ctx;
	if (opt_on(req, "fail"))
		return DM_EAPI; /* the host names the provider in the error */
	if (opt_on(req, "bad_emit")) {
		(void)emit_one(emit, "example_widget", NULL, region, json_object());
		return 0; /* a sloppy provider: the host still fails the collection */
	}
	if (emit->log)
		emit->log(emit->host, DM_LOG_INFO, "listing widgets");

	a = json_pack("{s:i, s:{s:s}, s:s, s:b, s:b, s:b, s:I}", "size", 1, "tags", "Name", "one",
		      "greeting", greeting ? greeting : "hello",
		      "state_has_gadget", probe(req, "example_gadget", NULL),
		      "state_has_widget_size", probe(req, "example_widget", "size"),
		      "state_has_widget_colour", probe(req, "example_widget", "colour"),
		      "concurrency", (json_int_t)req->concurrency);
	if (!a)
		return DM_ENOMEM;
	rc = emit_one(emit, "example_widget", "w-1", region, a);
	if (rc < 0)
		return rc;
	a = json_pack("{s:i, s:{}}", "size", 2, "tags");
	if (!a)
		return DM_ENOMEM;
	rc = emit_one(emit, "example_widget", "w-2", region, a);
	if (rc < 0)
		return rc;

	memset(&s, 0, sizeof(s));
	s.account = ACCOUNT;
	s.region = region;
	s.api = "widgets:ListWidgets";
	s.types = widget_types;
	s.ntypes = 1;
	s.complete = 1;
	s.api_calls = 2;
	rc = emit->scope(emit->host, &s);
	if (rc < 0)
		return rc;

	/* The gadget listing fails after its first page: what was read is emitted,
	 * the scope is reported failed so nothing of it counts as missing. */
	a = json_pack("{s:s, s:[i,i]}", "widget_id", "w-1", "ports", 443, 80);
	if (!a)
		return DM_ENOMEM;
	rc = emit_one(emit, "example_gadget", "g-1", region, a);
	if (rc < 0)
		return rc;
	s.api = "gadgets:ListGadgets";
	s.types = gadget_types;
	s.complete = 0;
	s.error = "gadgets:ListGadgets: HTTP 503 after 3 attempts";
	s.api_calls = 3;
	return emit->scope(emit->host, &s);
}

static const dm_provider example_provider = {
	DM_PROVIDER_ABI_VERSION,
	"example",
	"Example provider from the driftmap test suite (widgets and gadgets)",
	&example_table,
	example_enumerate,
};

const dm_provider *driftmap_provider_entry(void);

const dm_provider *driftmap_provider_entry(void)
{
	return &example_provider;
}
