/*
 * Unit tests: the segmentation view (dm_graph_segmentation) — the posture
 * engine's tier matrix over fixtures/posture/estate.json drawn through the
 * graph code. Expectations come from the matrix API, not from constants.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include "testutil.h"
#include "driftmap/driftmap.h"
#include "driftmap/posture.h"
#include "driftmap/graph.h"

/*
 * Graphviz 2.42 (Debian) and the font stack under it leak by themselves (see
 * test_graph.c); these are not ours. LeakSanitizer reads this hook in
 * DM_SANITIZE builds.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libgvc.so\nleak:libcgraph.so\nleak:libgvplugin_\nleak:libfontconfig.so\n"
	       "leak:libglib-2.0.so\nleak:libgobject-2.0.so\nleak:libpango\nleak:libcairo.so\n"
	       "leak:libharfbuzz.so\nleak:libpixman\nleak:libfreetype.so\n";
}

struct fx {
	dm_ctx *ctx;
	dm_inventory *inv;
	dm_posture_config *cfg;
	dm_posture *p;
	char *dir;
};

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(dm_ctx_new(&f->ctx), 0);
	if (dm_inventory_load_json(&f->inv, f->ctx, tu_fixture("posture/estate.json")) != 0)
		fail_msg("load: %s", dm_ctx_last_error(f->ctx));
	assert_int_equal(dm_posture_config_new(&f->cfg), 0);
	dm_posture_config_set_now(f->cfg, 1795392000LL);
	if (dm_posture_run(&f->p, f->ctx, f->inv, f->cfg) != 0)
		fail_msg("posture: %s", dm_ctx_last_error(f->ctx));
	f->dir = tu_mkdtemp();
	assert_non_null(f->dir);
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;

	tu_rmrf(f->dir);
	free(f->dir);
	dm_posture_free(f->p);
	dm_posture_config_free(f->cfg);
	dm_inventory_free(f->inv);
	dm_ctx_free(f->ctx);
	free(f);
	return 0;
}

/* ---- SVG helpers ------------------------------------------------------------ */

static int has_class(xmlNodePtr n, const char *cls)
{
	xmlChar *c = xmlGetProp(n, BAD_CAST "class");
	int r = 0;

	if (c) {
		const char *p = (const char *)c;
		size_t l = strlen(cls);

		while ((p = strstr(p, cls)) != NULL) {
			if ((p == (const char *)c || p[-1] == ' ') && (p[l] == ' ' || p[l] == '\0')) {
				r = 1;
				break;
			}
			p += l;
		}
		xmlFree(c);
	}
	return r;
}

static xmlNodePtr find_g(xmlNodePtr n, const char *id)
{
	xmlNodePtr r;

	for (; n; n = n->next) {
		if (n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, BAD_CAST "g") == 0) {
			xmlChar *v = xmlGetProp(n, BAD_CAST "id");
			int eq = v && strcmp((const char *)v, id) == 0;

			xmlFree(v);
			if (eq)
				return n;
		}
		r = n->children ? find_g(n->children, id) : NULL;
		if (r)
			return r;
	}
	return NULL;
}

/* edge groups of class CLS; *count receives how many; returns the one titled TITLE (or NULL) */
static xmlNodePtr find_edge(xmlNodePtr n, const char *cls, const char *title, size_t *count)
{
	xmlNodePtr c, r, found = NULL;

	for (; n; n = n->next) {
		if (n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, BAD_CAST "g") == 0 &&
		    has_class(n, "edge") && has_class(n, cls)) {
			(*count)++;
			for (c = n->children; c; c = c->next) {
				if (c->type == XML_ELEMENT_NODE && xmlStrcmp(c->name, BAD_CAST "title") == 0) {
					xmlChar *t = xmlNodeGetContent(c);

					if (t && title && strcmp((const char *)t, title) == 0 && !found)
						found = n;
					xmlFree(t);
				}
			}
		}
		r = n->children ? find_edge(n->children, cls, title, count) : NULL;
		if (r && !found)
			found = r;
	}
	return found;
}

static int node_text_has(xmlNodePtr n, const char *s)
{
	xmlChar *t = xmlNodeGetContent(n);
	int r = t && strstr((const char *)t, s) != NULL;

	xmlFree(t);
	return r;
}

/* the text the graph code prints for an allowed entry (tcp/5432, all, udp/all, tcp/1024-65535) */
static void range_text(const dm_posture_port_range *r, char *buf, size_t cap)
{
	if (strcmp(r->protocol, "-1") == 0)
		snprintf(buf, cap, "all");
	else if (r->from < 0 || (r->from == 0 && r->to >= 65535 && strcmp(r->protocol, "icmp") != 0))
		snprintf(buf, cap, "%s/all", r->protocol);
	else if (r->from == r->to)
		snprintf(buf, cap, "%s/%d", r->protocol, r->from);
	else
		snprintf(buf, cap, "%s/%d-%d", r->protocol, r->from, r->to);
}

static void pair_key(const char *tier, char *buf, size_t cap)
{
	if (strcmp(tier, "internet") == 0)
		snprintf(buf, cap, "internet");
	else
		snprintf(buf, cap, "tier/%s", tier);
}

/* ---- tests ------------------------------------------------------------------------ */

static void test_graph_segmentation__svg_has_tiers_and_allowed_pairs(void **state)
{
	struct fx *f = *state;
	dm_graph *g = NULL;
	char path[4096];
	xmlDocPtr doc;
	xmlNodePtr root;
	size_t i, j, want_edges = 0, seen = 0, self_pairs = 0;

	/* the fixture has a real matrix: tiers by tag, internet exposure, a tier talking to itself */
	assert_true(dm_posture_tier_count(f->p) >= 3);
	assert_true(dm_posture_pair_count(f->p) >= 3);
	if (dm_graph_segmentation(&g, f->ctx, f->p, f->inv, NULL, 0) != 0)
		fail_msg("segmentation: %s", dm_ctx_last_error(f->ctx));
	snprintf(path, sizeof(path), "%s/seg.svg", f->dir);
	if (dm_graph_render(f->ctx, g, DM_VIEW_SEGMENTATION, "svg", path) != 0)
		fail_msg("render: %s", dm_ctx_last_error(f->ctx));
	doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		fail_msg("%s: not well-formed XML", path);
	root = xmlDocGetRootElement(doc);
	assert_non_null(find_g(root, "driftmap"));
	assert_true(has_class(find_g(root, "driftmap"), "view-segmentation"));

	/* every tier is a node, with its name drawn */
	for (i = 0; i < dm_posture_tier_count(f->p); i++) {
		const char *t = dm_posture_tier_at(f->p, i);
		const dm_graph_node *gn = dm_graph_find(g, "tier", t);
		char key[512];
		xmlNodePtr el;

		pair_key(t, key, sizeof(key));
		assert_non_null(gn);
		assert_string_equal(gn->key, key);
		el = find_g(root, key);
		if (!el)
			fail_msg("tier %s not drawn", t);
		assert_true(has_class(el, "node"));
		assert_true(has_class(el, "type-tier"));
		assert_true(has_class(el, "seg-tier")); /* the segmentation style hook ran */
		if (!node_text_has(el, t))
			fail_msg("tier %s: name not in its label", t);
	}
	/* every allowed pair between two tiers is one edge labelled with its allowed entries */
	for (i = 0; i < dm_posture_pair_count(f->p); i++) {
		const dm_posture_pair *pr = dm_posture_pair_at(f->p, i);
		char from[512], to[512], title[1100], item[128];
		xmlNodePtr el;
		size_t cnt = 0;

		if (!pr->nallowed)
			continue;
		pair_key(pr->from, from, sizeof(from));
		pair_key(pr->to, to, sizeof(to));
		if (strcmp(from, to) == 0) {
			/* inside one tier: said on the tier's node */
			el = find_g(root, from);
			assert_non_null(el);
			assert_true(node_text_has(el, "within:"));
			range_text(&pr->allowed[0], item, sizeof(item));
			if (!node_text_has(el, item))
				fail_msg("tier %s: within-tier entry %s not drawn", pr->from, item);
			self_pairs++;
			continue;
		}
		want_edges++;
		snprintf(title, sizeof(title), "%s->%s", from, to);
		el = find_edge(root, "edge-allows", title, &cnt);
		if (!el)
			fail_msg("allowed pair %s missing", title);
		assert_true(has_class(el, strcmp(pr->from, "internet") == 0 ? "seg-from-internet" : "seg-internal"));
		for (j = 0; j < pr->nallowed && j < 4; j++) {
			range_text(&pr->allowed[j], item, sizeof(item));
			if (!node_text_has(el, item))
				fail_msg("edge %s lacks allowed entry %s", title, item);
		}
		if (strcmp(pr->from, "internet") == 0)
			assert_non_null(find_g(root, "internet"));
	}
	assert_true(want_edges >= 3);
	assert_true(self_pairs >= 1);
	/* ... and nothing else: no edge that the matrix does not allow */
	find_edge(root, "edge-allows", NULL, &seen);
	assert_int_equal(seen, want_edges);
	assert_int_equal(dm_graph_edge_count(g), want_edges);
	xmlFreeDoc(doc);
	dm_graph_free(g);
}

static void test_graph_segmentation__deterministic(void **state)
{
	struct fx *f = *state;
	char *bytes[2] = { NULL, NULL }, *dot[2] = { NULL, NULL };
	size_t len[2] = { 0, 0 };
	int run;

	for (run = 0; run < 2; run++) {
		dm_graph *g = NULL;
		char path[4096];

		/* a fresh graph each time: nothing may depend on addresses or hash order */
		assert_int_equal(dm_graph_segmentation(&g, f->ctx, f->p, f->inv, NULL, 0), 0);
		snprintf(path, sizeof(path), "%s/d%d.svg", f->dir, run);
		if (dm_graph_render(f->ctx, g, DM_VIEW_SEGMENTATION, "svg", path) != 0)
			fail_msg("render: %s", dm_ctx_last_error(f->ctx));
		bytes[run] = tu_read_file(path, &len[run]);
		assert_non_null(bytes[run]);
		assert_int_equal(dm_graph_to_dot(f->ctx, g, DM_VIEW_SEGMENTATION, &dot[run]), 0);
		dm_graph_free(g);
	}
	assert_true(len[0] > 500);
	assert_int_equal(len[0], len[1]);
	assert_memory_equal(bytes[0], bytes[1], len[0]);
	assert_string_equal(dot[0], dot[1]);
	/* no drift vocabulary in a segmentation picture */
	assert_null(strstr(dot[0], "unmanaged"));
	for (run = 0; run < 2; run++) {
		free(bytes[run]);
		free(dot[run]);
	}
}

static void test_graph_segmentation__rejects_null_posture(void **state)
{
	struct fx *f = *state;
	dm_graph *g = (dm_graph *)f; /* must be reset */

	assert_int_equal(dm_graph_segmentation(&g, f->ctx, NULL, f->inv, NULL, 0), DM_EINVAL);
	assert_null(g);
	assert_non_null(strstr(dm_ctx_last_error(f->ctx), "segmentation"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_graph_segmentation__svg_has_tiers_and_allowed_pairs, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_graph_segmentation__deterministic, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_graph_segmentation__rejects_null_posture, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
