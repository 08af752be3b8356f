/*
 * driftmap graph — layout and rendering through Graphviz's C libraries
 * (cgraph + gvc), never by running `dot`.
 *
 * One render call: decide the pages (one drawing, or an overview plus one page
 * per VPC when the drawing is above the page threshold or the layout budget),
 * lay each page out once with the `dot` engine, then restyle the laid-out
 * graph for each requested view and render it. Positions are therefore the
 * same in the current, target and drift pictures.
 *
 * Process-wide state, forced on us by Graphviz (and the only state outside
 * the context in graph/):
 *   - errors go through one process-wide hook (agseterrf): it appends to a
 *     buffer that exists only during a call; the previous hook is restored;
 *   - one GVC_t for the process, created on first use and never freed. A
 *     context per call is what we want, but with Debian's Graphviz 2.42 the
 *     pango text-layout plugin caches a pointer to the last font name, which
 *     lives in the *previous* context: freeing a context and laying out with
 *     a new one reads freed memory (ASan: heap-use-after-free in
 *     libgvplugin_pango). Graphviz is not thread-safe either, so every use is
 *     serialised by one mutex.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gvc.h>
#include <cgraph.h>
#include "graph_internal.h"

#define DEFAULT_COLLAPSE 8u
#define DEFAULT_PAGE 250u
#define DEFAULT_BUDGET_MS 8000u

static dm_buf *gv_err_buf;          /* guarded by gv_lock */
static pthread_mutex_t gv_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t gv_once = PTHREAD_ONCE_INIT;
static GVC_t *gv_shared;             /* created once, lives until exit */

static void gv_create(void)
{
	gv_shared = gvContext();
}

static int gv_errf(char *msg)
{
	if (gv_err_buf && msg)
		dm__buf_puts(gv_err_buf, msg);
	return 0;
}

/*
 * Object ids. cgraph's default id discipline uses the *address* of each
 * interned name as the object's id, and orders subgraphs (clusters) by id:
 * the layout then depends on malloc's history and two renders in one process
 * can differ. This discipline hands out ids in creation order (the sorted
 * DOT text order), so layout and output are byte-identical run after run.
 * Named objects get even ids (2, 4, ...), anonymous ones odd ids, as cgraph
 * expects.
 */
struct idstate {
	Agraph_t *g;        /* root graph: names are interned in its string dictionary */
	dm_strmap *byname;  /* name -> (void *)index+1 */
	char **names;       /* index -> interned name (cgraph refstr, as agwrite expects) */
	size_t n, cap;
	IDTYPE anon;
};

/* Agdisc_t first, so cgraph's disc pointer leads back to our state. */
struct seqdisc {
	Agdisc_t disc;
	struct idstate *st;
};

static void *id_open(Agraph_t *g, Agdisc_t *disc)
{
	struct idstate *st = ((struct seqdisc *)disc)->st;

	st->g = g;
	return st;
}

static struct idstate *idstate_new(void)
{
	struct idstate *st = dm__calloc(1, sizeof(*st));

	if (st && dm__strmap_new(&st->byname, 256) < 0) {
		free(st);
		return NULL;
	}
	if (st)
		st->anon = 1;
	return st;
}

/* after agclose(): the names went with the graph's string dictionary */
static void idstate_free(struct idstate *st)
{
	if (!st)
		return;
	free(st->names);
	dm__strmap_free(st->byname);
	free(st);
}

static long id_map(void *state, int objtype, char *str, IDTYPE *id, int createflag)
{
	struct idstate *st = state;
	size_t idx;
	char *copy;

	(void)objtype;
	if (!str) {
		*id = st->anon;
		st->anon += 2;
		return 1;
	}
	idx = (size_t)(uintptr_t)dm__strmap_get(st->byname, str);
	if (idx) {
		*id = (IDTYPE)idx * 2;
		return 1;
	}
	if (!createflag)
		return 0;
	copy = agstrdup(st->g, str);
	if (!copy || dm__grow((void **)&st->names, &st->cap, st->n + 1, sizeof(*st->names)) < 0 ||
	    dm__strmap_put(st->byname, copy, (void *)(uintptr_t)(st->n + 1)) < 0) {
		if (copy)
			agstrfree(st->g, copy);
		return 0;
	}
	st->names[st->n++] = copy;
	*id = (IDTYPE)st->n * 2;
	return 1;
}

static long id_alloc(void *state, int objtype, IDTYPE request)
{
	(void)state;
	(void)objtype;
	return (request & 1) ? 0 : 1;
}

static void id_free(void *state, int objtype, IDTYPE id)
{
	(void)state;
	(void)objtype;
	(void)id; /* names live until the graph is closed */
}

static char *id_print(void *state, int objtype, IDTYPE id)
{
	struct idstate *st = state;

	(void)objtype;
	if ((id & 1) || id == 0 || id / 2 > st->n)
		return NULL;
	return st->names[id / 2 - 1];
}

static void id_close(void *state)
{
	(void)state; /* owned by the caller of read_dot(); not every cgraph calls this */
}

static void id_register(void *state, int objtype, void *obj)
{
	(void)state;
	(void)objtype;
	(void)obj;
}

static Agiddisc_t seq_iddisc = { id_open, id_map, id_alloc, id_free, id_print, id_close, id_register };

/* Parse DOT text with the deterministic id discipline; *st is freed by the caller after agclose(). */
static Agraph_t *read_dot(const char *text, struct idstate **st)
{
	struct seqdisc sd;
	FILE *f;
	Agraph_t *g;

	*st = idstate_new();
	if (!*st)
		return NULL;
	f = fmemopen((void *)text, strlen(text), "r");
	if (!f)
		return NULL;
	sd.disc.mem = &AgMemDisc;
	sd.disc.id = &seq_iddisc;
	sd.disc.io = &AgIoDisc;
	sd.st = *st;
	g = agread(f, &sd.disc);
	fclose(f);
	return g;
}

/* the captured Graphviz text as one line */
static const char *gv_message(dm_buf *b)
{
	size_t i;

	if (!b->ptr)
		return "no message";
	for (i = 0; i < b->len; i++)
		if (b->ptr[i] == '\n' || b->ptr[i] == '\r')
			b->ptr[i] = ' ';
	while (b->len && b->ptr[b->len - 1] == ' ')
		b->ptr[--b->len] = '\0';
	return b->len ? b->ptr : "no message";
}

/*
 * Layout cost estimate in ms for `size` drawn nodes + edges, calibrated on the
 * bench estates (bench/RESULTS.md): dot with clusters grows a little faster
 * than linearly once the network-simplex limits are set for big pages.
 */
static double estimate_ms(size_t size)
{
	double s = (double)size;

	return 0.5 * s + s * s / 10000.0;
}

static int valid_format(const char *f)
{
	static const char *const fmts[] = { "svg", "png", "pdf", "dot", "gv" };
	size_t i;

	for (i = 0; f && i < sizeof(fmts) / sizeof(fmts[0]); i++)
		if (strcmp(f, fmts[i]) == 0)
			return 1;
	return 0;
}

/* NAME-overview.EXT / NAME-vpc-ID.EXT from NAME.EXT */
static char *page_path(const char *file, const char *suffix)
{
	const char *slash = strrchr(file, '/');
	const char *dot = strrchr(file, '.');
	dm_buf b = DM_BUF_INIT;

	if (!suffix)
		return dm__strdup(file);
	if (!dot || (slash && dot < slash) || dot == (slash ? slash + 1 : file))
		dot = file + strlen(file);
	dm__buf_init(&b, 8192);
	if (dm__buf_put(&b, file, (size_t)(dot - file)) < 0 || dm__buf_printf(&b, "-%s%s", suffix, dot) < 0) {
		dm__buf_free(&b);
		return NULL;
	}
	return dm__buf_detach(&b);
}

struct page {
	dm__drawing *d;
	char *suffix; /* NULL: the one page; "overview", "vpc-<id>" */
};

static int build_page(dm_ctx *ctx, const dm_graph *g, dm__page_kind kind, const char *vpc, unsigned collapse,
		      unsigned budget, dm__drawing **out)
{
	int rc;
	unsigned t = collapse > 64 ? 64 : collapse;

	for (;;) {
		rc = dm__drawing_build(out, g, kind, vpc, t == 64 && collapse > 64 ? collapse : t);
		if (rc < 0)
			return dm__error(ctx, rc, "diagram: out of memory building the drawing");
		if (estimate_ms(dm__drawing_size(*out)) <= budget || t <= 1)
			break;
		dm__drawing_free(*out);
		*out = NULL;
		t /= 2;
		dm__log(ctx, DM_LOG_INFO, "diagram: page over the %u ms layout budget, collapsing groups above %u",
			budget, t);
	}
	if (estimate_ms(dm__drawing_size(*out)) > budget)
		dm__log(ctx, DM_LOG_WARN, "diagram: page of %zu nodes+edges may exceed the %u ms layout budget",
			dm__drawing_size(*out), budget);
	return 0;
}

static void free_pages(struct page *p, size_t n)
{
	size_t i;

	for (i = 0; p && i < n; i++) {
		dm__drawing_free(p[i].d);
		free(p[i].suffix);
	}
	free(p);
}

static int plan_pages(dm_ctx *ctx, const dm_graph *g, struct page **out, size_t *nout)
{
	unsigned collapse = g->opts.collapse_threshold ? g->opts.collapse_threshold : DEFAULT_COLLAPSE;
	unsigned pagemax = g->opts.page_threshold ? g->opts.page_threshold : DEFAULT_PAGE;
	unsigned budget = g->opts.layout_budget_ms ? g->opts.layout_budget_ms : DEFAULT_BUDGET_MS;
	dm__drawing *all = NULL;
	struct page *pages = NULL;
	const char **vpcs;
	size_t nv, i, n = 0;
	int rc;

	*out = NULL;
	*nout = 0;
	rc = dm__drawing_build(&all, g, DM_PAGE_ALL, NULL, collapse);
	if (rc < 0)
		return dm__error(ctx, rc, "diagram: out of memory building the drawing");
	nv = dm__graph_vpcs(g, &vpcs);
	if ((dm__drawing_nodes(all) <= pagemax && estimate_ms(dm__drawing_size(all)) <= budget) || nv == 0) {
		if (estimate_ms(dm__drawing_size(all)) > budget) {
			dm__drawing_free(all);
			all = NULL;
			rc = build_page(ctx, g, DM_PAGE_ALL, NULL, collapse, budget, &all);
			if (rc < 0)
				return rc;
		}
		pages = dm__calloc(1, sizeof(*pages));
		if (!pages) {
			dm__drawing_free(all);
			return dm__error(ctx, DM_ENOMEM, "diagram: out of memory");
		}
		pages[0].d = all;
		*out = pages;
		*nout = 1;
		return 0;
	}
	dm__log(ctx, DM_LOG_INFO, "diagram: %zu drawn nodes (threshold %u): overview + %zu VPC pages",
		dm__drawing_nodes(all), pagemax, nv);
	dm__drawing_free(all);
	pages = dm__calloc(nv + 1, sizeof(*pages));
	if (!pages)
		return dm__error(ctx, DM_ENOMEM, "diagram: out of memory");
	rc = build_page(ctx, g, DM_PAGE_OVERVIEW, NULL, collapse, budget, &pages[0].d);
	if (rc < 0)
		goto fail;
	pages[0].suffix = dm__strdup("overview");
	n = 1;
	for (i = 0; i < nv; i++) {
		rc = build_page(ctx, g, DM_PAGE_VPC, vpcs[i], collapse, budget, &pages[n].d);
		if (rc < 0)
			goto fail;
		pages[n].suffix = page_path("vpc", vpcs[i]);
		n++;
		if (!pages[n - 1].suffix || !pages[0].suffix) {
			rc = dm__error(ctx, DM_ENOMEM, "diagram: out of memory");
			goto fail;
		}
	}
	*out = pages;
	*nout = n;
	return 0;
fail:
	free_pages(pages, n + 1);
	return rc;
}

static int render_page(dm_ctx *ctx, GVC_t *gvc, const struct page *pg, const dm_graph_output *outs,
		       size_t nouts, dm_buf *err)
{
	char *dot = NULL, *file = NULL, *data = NULL;
	unsigned int len = 0;
	Agraph_t *ag = NULL;
	struct idstate *ids = NULL;
	size_t i;
	int rc = 0, laid = 0;

	for (i = 0; i < nouts && rc == 0; i++) {
		file = page_path(outs[i].path, pg->suffix);
		if (!file) {
			rc = dm__error(ctx, DM_ENOMEM, "diagram: out of memory");
			break;
		}
		if (strcmp(outs[i].format, "gv") == 0) {
			rc = dm__drawing_dot(pg->d, ctx, outs[i].view, &dot);
			if (rc == 0)
				rc = dm__write_file_atomic(ctx, file, dot, strlen(dot));
			free(dot);
			dot = NULL;
			free(file);
			file = NULL;
			continue;
		}
		if (!laid) {
			rc = dm__drawing_dot(pg->d, ctx, DM_VIEW_DRIFT, &dot);
			if (rc < 0)
				break;
			ag = read_dot(dot, &ids);
			if (!ag) {
				rc = dm__error(ctx, DM_ERROR, "diagram: Graphviz could not read the generated DOT: %s",
					       gv_message(err));
				break;
			}
			if (gvLayout(gvc, ag, "dot") != 0) {
				rc = dm__error(ctx, DM_ERROR, "diagram: Graphviz layout failed for %s: %s", file,
					       gv_message(err));
				break;
			}
			laid = 1;
		}
		dm__drawing_restyle(pg->d, ag, outs[i].view);
		if (gvRenderData(gvc, ag, outs[i].format, &data, &len) != 0 || !data) {
			rc = dm__error(ctx, DM_ERROR, "diagram: Graphviz could not render %s as %s: %s", file,
				       outs[i].format, gv_message(err));
			break;
		}
		rc = dm__write_file_atomic(ctx, file, data, len);
		gvFreeRenderData(data);
		data = NULL;
		if (rc == 0)
			dm__log(ctx, DM_LOG_INFO, "diagram: wrote %s (%s view)", file,
				dm_graph_view_name(outs[i].view));
		free(file);
		file = NULL;
	}
	free(file);
	free(dot);
	if (ag) {
		if (laid)
			gvFreeLayout(gvc, ag);
		agclose(ag);
	}
	idstate_free(ids);
	return rc;
}

int dm_graph_render_all(dm_ctx *ctx, const dm_graph *g, const dm_graph_output *outs, size_t nouts)
{
	struct page *pages = NULL;
	size_t npages = 0, i;
	GVC_t *gvc = NULL;
	agusererrf prev = NULL;
	dm_buf err = DM_BUF_INIT;
	int rc;

	if (!g || (!outs && nouts))
		return dm__error(ctx, DM_EINVAL, "diagram: nothing to render");
	for (i = 0; i < nouts; i++) {
		if (!valid_format(outs[i].format))
			return dm__error(ctx, DM_EINVAL, "diagram: unknown output format '%s' (svg, png, pdf, dot, gv)",
					 outs[i].format ? outs[i].format : "");
		if (outs[i].view < DM_VIEW_CURRENT || outs[i].view > DM_VIEW_SEGMENTATION)
			return dm__error(ctx, DM_EINVAL, "diagram: unknown view %d", (int)outs[i].view);
		if (!outs[i].path || !outs[i].path[0])
			return dm__error(ctx, DM_EINVAL, "diagram: output %s has no file", outs[i].format);
	}
	rc = plan_pages(ctx, g, &pages, &npages);
	if (rc < 0)
		return rc;
	dm__buf_init(&err, 65536);
	pthread_mutex_lock(&gv_lock);
	gv_err_buf = &err;
	prev = agseterrf(gv_errf);
	pthread_once(&gv_once, gv_create);
	gvc = gv_shared;
	if (!gvc) {
		rc = dm__error(ctx, DM_ERROR, "diagram: Graphviz context could not be created: %s", gv_message(&err));
		goto done;
	}
	for (i = 0; i < npages && rc == 0; i++)
		rc = render_page(ctx, gvc, &pages[i], outs, nouts, &err);
	if (rc == 0 && err.len)
		dm__log(ctx, DM_LOG_WARN, "diagram: Graphviz said: %s", gv_message(&err));
done:
	agseterrf(prev);
	gv_err_buf = NULL;
	pthread_mutex_unlock(&gv_lock);
	dm__buf_free(&err);
	free_pages(pages, npages);
	return rc;
}

int dm_graph_render(dm_ctx *ctx, const dm_graph *g, dm_graph_view view, const char *format, const char *file)
{
	dm_graph_output o;

	o.view = view;
	o.format = format;
	o.path = file;
	return dm_graph_render_all(ctx, g, &o, 1);
}

int dm_graph_to_dot(dm_ctx *ctx, const dm_graph *g, dm_graph_view view, char **out)
{
	dm__drawing *d = NULL;
	unsigned collapse = g->opts.collapse_threshold ? g->opts.collapse_threshold : DEFAULT_COLLAPSE;
	int rc;

	*out = NULL;
	rc = dm__drawing_build(&d, g, DM_PAGE_ALL, NULL, collapse);
	if (rc < 0)
		return dm__error(ctx, rc, "diagram: out of memory building the drawing");
	rc = dm__drawing_dot(d, ctx, view, out);
	dm__drawing_free(d);
	return rc;
}
