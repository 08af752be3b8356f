/*
 * driftmap posture — the config file (YAML, libyaml) and the mute file
 * (YAML or JSON). Both are read into a JSON tree (YAML scalars become
 * strings) and then interpreted key by key; an unknown key is an error
 * naming the file and the key.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>
#include "posture_internal.h"

#define CONFIG_MAX (4u << 20)

/* ---- YAML -> JSON -------------------------------------------------------------- */

/*
 * An alias is the node it names, so a document of a few aliases of aliases
 * expands exponentially ("billion laughs"): *budget is how many nodes may
 * still be converted (0 = stop, NULL is returned).
 */
static json_t *yaml_node_json(yaml_document_t *doc, yaml_node_t *n, int depth, size_t *budget)
{
	json_t *out = NULL;

	if (!n || depth > 32 || *budget == 0)
		return NULL;
	(*budget)--;
	switch (n->type) {
	case YAML_SCALAR_NODE: {
		const char *v = (const char *)n->data.scalar.value;
		size_t len = n->data.scalar.length;
		if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
		    (len == 0 || strcmp(v, "~") == 0 || strcmp(v, "null") == 0))
			return json_null();
		if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && strcmp(v, "true") == 0)
			return json_true();
		if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && strcmp(v, "false") == 0)
			return json_false();
		return json_stringn(v, len);
	}
	case YAML_SEQUENCE_NODE: {
		yaml_node_item_t *it;
		out = json_array();
		for (it = n->data.sequence.items.start; out && it < n->data.sequence.items.top; it++) {
			json_t *c = yaml_node_json(doc, yaml_document_get_node(doc, *it), depth + 1, budget);
			if (!c || json_array_append_new(out, c) < 0) {
				json_decref(out);
				return NULL;
			}
		}
		return out;
	}
	case YAML_MAPPING_NODE: {
		yaml_node_pair_t *p;
		out = json_object();
		for (p = n->data.mapping.pairs.start; out && p < n->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(doc, p->key);
			json_t *c;
			if (!k || k->type != YAML_SCALAR_NODE) {
				json_decref(out);
				return NULL;
			}
			c = yaml_node_json(doc, yaml_document_get_node(doc, p->value), depth + 1, budget);
			if (!c || json_object_set_new(out, (const char *)k->data.scalar.value, c) < 0) {
				json_decref(out);
				return NULL;
			}
		}
		return out;
	}
	default:
		return NULL;
	}
}

static int load_tree(dm_ctx *ctx, const char *path, json_t **out)
{
	char *text = NULL;
	size_t len = 0, i = 0;
	yaml_parser_t parser;
	yaml_document_t doc;
	int rc = 0;

	*out = NULL;
	if ((rc = dm__read_file(ctx, path, CONFIG_MAX, &text, &len)) < 0)
		return rc;
	while (i < len && (text[i] == ' ' || text[i] == '\n' || text[i] == '\t' || text[i] == '\r'))
		i++;
	if (i < len && (text[i] == '{' || text[i] == '[')) {
		json_error_t err;
		*out = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
		if (!*out)
			rc = dm__error(ctx, DM_EPARSE, "%s:%d:%d: invalid JSON: %s", path, err.line, err.column, err.text);
		free(text);
		return rc;
	}
	if (!yaml_parser_initialize(&parser)) {
		free(text);
		return dm__error(ctx, DM_ENOMEM, "%s: out of memory", path);
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		rc = dm__error(ctx, DM_EPARSE, "%s:%zu:%zu: invalid YAML: %s", path, parser.problem_mark.line + 1,
			       parser.problem_mark.column + 1, parser.problem ? parser.problem : "syntax error");
		goto done;
	}
	{
		yaml_node_t *root = yaml_document_get_root_node(&doc);
		/* every node once, and aliases up to as many again */
		size_t budget = 2 * (size_t)(doc.nodes.top - doc.nodes.start) + 64;
		*out = root ? yaml_node_json(&doc, root, 0, &budget) : json_object();
		if (!*out && budget == 0)
			rc = dm__error(ctx, DM_ETOOBIG, "%s: YAML aliases expand to more than twice the document's nodes",
				       path);
		else if (!*out)
			rc = dm__error(ctx, DM_EPARSE, "%s: unsupported YAML (anchors, complex keys or nesting > 32)", path);
	}
	yaml_document_delete(&doc);
done:
	yaml_parser_delete(&parser);
	free(text);
	return rc;
}

/* ---- interpreting -------------------------------------------------------------- */

static const char *scalar(const json_t *v, char *buf, size_t cap)
{
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, cap, "%lld", (long long)json_integer_value(v));
		return buf;
	}
	if (json_is_boolean(v))
		return json_is_true(v) ? "true" : "false";
	return NULL;
}

static int read_ports(dm_ctx *ctx, const char *path, const char *key, const json_t *v, pst_ports *p)
{
	size_t i;
	const json_t *x;
	char buf[32];

	if (!json_is_array(v))
		return dm__error(ctx, DM_EPARSE, "%s: '%s' must be a list of ports (22, \"1433-1434\", \"udp/53\")",
				 path, key);
	dm__pst_ports_free(p);
	json_array_foreach(v, i, x) {
		const char *s = scalar(x, buf, sizeof(buf));
		pst_port pp;
		if (!s || dm__pst_port_parse(s, &pp) < 0)
			return dm__error(ctx, DM_EPARSE, "%s: '%s' entry %zu is not a port or range", path, key, i);
		if (dm__pst_ports_add(p, pp.from, pp.to, pp.proto) < 0)
			return dm__error(ctx, DM_ENOMEM, "%s: out of memory", path);
	}
	return 0;
}

static int read_strs(dm_ctx *ctx, const char *path, const char *key, const json_t *v, pst_strs *s)
{
	size_t i;
	const json_t *x;
	char buf[32];

	if (json_is_string(v) || json_is_integer(v)) {
		dm__pst_strs_free(s);
		return dm__pst_strs_add(s, scalar(v, buf, sizeof(buf))) < 0 ? dm__error(ctx, DM_ENOMEM, "out of memory")
									 : 0;
	}
	if (!json_is_array(v))
		return dm__error(ctx, DM_EPARSE, "%s: '%s' must be a list of strings", path, key);
	dm__pst_strs_free(s);
	json_array_foreach(v, i, x) {
		const char *str = scalar(x, buf, sizeof(buf));
		if (!str)
			return dm__error(ctx, DM_EPARSE, "%s: '%s' entry %zu is not a string", path, key, i);
		if (dm__pst_strs_add(s, str) < 0)
			return dm__error(ctx, DM_ENOMEM, "%s: out of memory", path);
	}
	return 0;
}

static int read_long(dm_ctx *ctx, const char *path, const char *key, const json_t *v, long *out)
{
	char buf[32];
	const char *s = scalar(v, buf, sizeof(buf));
	long long n;

	if (!s || dm__parse_ll(s, &n) < 0 || n < 0 || n > 100000)
		return dm__error(ctx, DM_EPARSE, "%s: '%s' must be a non-negative number of days", path, key);
	*out = (long)n;
	return 0;
}

static int read_policy(dm_ctx *ctx, const char *path, const json_t *v, dm_posture_config *c)
{
	size_t i;
	const json_t *e;

	if (!json_is_array(v))
		return dm__error(ctx, DM_EPARSE, "%s: 'segmentation_policy' must be a list of {from, to, allow}", path);
	json_array_foreach(v, i, e) {
		pst_policy_rule *r;
		const json_t *allow = json_object_get(e, "allow");
		if (!json_is_string(json_object_get(e, "from")) || !json_is_string(json_object_get(e, "to")))
			return dm__error(ctx, DM_EPARSE, "%s: segmentation_policy entry %zu needs 'from' and 'to'", path, i);
		if (dm__grow((void **)&c->policy, &c->cappolicy, c->npolicy + 1, sizeof(*c->policy)) < 0)
			return dm__error(ctx, DM_ENOMEM, "%s: out of memory", path);
		r = &c->policy[c->npolicy];
		memset(r, 0, sizeof(*r));
		c->npolicy++;
		r->from = dm__strdup(json_string_value(json_object_get(e, "from")));
		r->to = dm__strdup(json_string_value(json_object_get(e, "to")));
		if (!r->from || !r->to)
			return dm__error(ctx, DM_ENOMEM, "%s: out of memory", path);
		if (allow && !json_is_null(allow) &&
		    read_ports(ctx, path, "segmentation_policy.allow", allow, &r->allow) < 0)
			return DM_EPARSE;
	}
	return 0;
}

int dm_posture_config_load(dm_posture_config **out, dm_ctx *ctx, const char *path)
{
	dm_posture_config *c = NULL;
	json_t *tree = NULL, *v;
	const char *key;
	int rc;

	*out = NULL;
	if ((rc = load_tree(ctx, path, &tree)) < 0)
		return rc;
	if (json_is_null(tree)) {
		json_decref(tree);
		tree = json_object();
	}
	if (!json_is_object(tree)) {
		json_decref(tree);
		return dm__error(ctx, DM_EPARSE, "%s: the posture config must be a mapping", path);
	}
	if (dm_posture_config_new(&c) < 0) {
		json_decref(tree);
		return dm__error(ctx, DM_ENOMEM, "%s: out of memory", path);
	}
	json_object_foreach(tree, key, v) {
		if (strcmp(key, "admin_ports") == 0)
			rc = read_ports(ctx, path, key, v, &c->admin_ports);
		else if (strcmp(key, "data_ports") == 0)
			rc = read_ports(ctx, path, key, v, &c->data_ports);
		else if (strcmp(key, "high_risk_ports") == 0)
			rc = read_ports(ctx, path, key, v, &c->high_risk_ports);
		else if (strcmp(key, "allowed_internet_ports") == 0)
			rc = read_ports(ctx, path, key, v, &c->allowed_ports);
		else if (strcmp(key, "trusted_account_ids") == 0)
			rc = read_strs(ctx, path, key, v, &c->trusted_accounts);
		else if (strcmp(key, "trusted_cidrs") == 0)
			rc = read_strs(ctx, path, key, v, &c->trusted_cidrs);
		else if (strcmp(key, "eks_required_log_types") == 0)
			rc = read_strs(ctx, path, key, v, &c->eks_log_types);
		else if (strcmp(key, "enabled_rules") == 0)
			rc = read_strs(ctx, path, key, v, &c->enabled_rules);
		else if (strcmp(key, "disabled_rules") == 0)
			rc = read_strs(ctx, path, key, v, &c->disabled_rules);
		else if (strcmp(key, "stale_role_days") == 0)
			rc = read_long(ctx, path, key, v, &c->stale_role_days);
		else if (strcmp(key, "unused_credential_days") == 0)
			rc = read_long(ctx, path, key, v, &c->unused_credential_days);
		else if (strcmp(key, "key_rotation_days") == 0)
			rc = read_long(ctx, path, key, v, &c->key_rotation_days);
		else if (strcmp(key, "eks_warning_days") == 0)
			rc = read_long(ctx, path, key, v, &c->eks_warning_days);
		else if (strcmp(key, "tier_tag") == 0) {
			char *t = json_is_string(v) ? dm__strdup(json_string_value(v)) : NULL;
			if (!t) {
				rc = dm__error(ctx, DM_EPARSE, "%s: 'tier_tag' must be a string", path);
			} else {
				free(c->tier_tag);
				c->tier_tag = t;
			}
		} else if (strcmp(key, "segmentation_policy") == 0)
			rc = read_policy(ctx, path, v, c);
		else
			rc = dm__error(ctx, DM_EPARSE, "%s: unknown key '%s'", path, key);
		if (rc < 0)
			break;
	}
	if (rc == 0) {
		size_t i;
		pst_strs *lists[2] = {&c->enabled_rules, &c->disabled_rules};
		size_t l;
		for (l = 0; l < 2 && rc == 0; l++) {
			for (i = 0; i < lists[l]->n; i++) {
				if (!dm_posture_rule_find(lists[l]->v[i])) {
					rc = dm__error(ctx, DM_EPARSE, "%s: unknown rule '%s'", path, lists[l]->v[i]);
					break;
				}
			}
		}
	}
	json_decref(tree);
	if (rc < 0) {
		dm_posture_config_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

/* ---- mute file ------------------------------------------------------------------ */

static int mute_str(dm_ctx *ctx, const char *path, size_t i, const json_t *e, const char *k, char **out)
{
	const json_t *v = json_object_get(e, k);
	char buf[32];
	const char *s;

	if (!v || json_is_null(v))
		return 0;
	s = scalar(v, buf, sizeof(buf));
	if (!s)
		return dm__error(ctx, DM_EPARSE, "%s: mute entry %zu: '%s' must be a string", path, i, k);
	*out = dm__strdup(s);
	return *out ? 0 : dm__error(ctx, DM_ENOMEM, "%s: out of memory", path);
}

int dm_posture_config_load_mutes(dm_posture_config *c, dm_ctx *ctx, const char *path)
{
	json_t *tree = NULL;
	const json_t *list, *e;
	size_t i;
	int rc;

	if ((rc = load_tree(ctx, path, &tree)) < 0)
		return rc;
	list = json_is_array(tree) ? tree : json_object_get(tree, "mutes");
	if (!json_is_array(list)) {
		json_decref(tree);
		return dm__error(ctx, DM_EPARSE, "%s: a mute file is a list of entries (or {\"mutes\": [...]})", path);
	}
	json_array_foreach(list, i, e) {
		pst_mute *m;
		const char *k;
		const json_t *v;
		if (!json_is_object(e)) {
			rc = dm__error(ctx, DM_EPARSE, "%s: mute entry %zu is not a mapping", path, i);
			break;
		}
		json_object_foreach((json_t *)e, k, v) {
			static const char *const known[] = {"rule", "account", "region", "resource", "tags", "reason",
							    "expires"};
			size_t j;
			for (j = 0; j < sizeof(known) / sizeof(known[0]); j++) {
				if (strcmp(k, known[j]) == 0)
					break;
			}
			if (j == sizeof(known) / sizeof(known[0])) {
				rc = dm__error(ctx, DM_EPARSE, "%s: mute entry %zu: unknown key '%s'", path, i, k);
				break;
			}
		}
		if (rc < 0)
			break;
		if (!json_is_string(json_object_get(e, "reason")) || !*json_string_value(json_object_get(e, "reason"))) {
			rc = dm__error(ctx, DM_EPARSE, "%s: mute entry %zu has no 'reason'", path, i);
			break;
		}
		if (dm__grow((void **)&c->mutes, &c->capmutes, c->nmutes + 1, sizeof(*c->mutes)) < 0) {
			rc = dm__error(ctx, DM_ENOMEM, "%s: out of memory", path);
			break;
		}
		m = &c->mutes[c->nmutes];
		memset(m, 0, sizeof(*m));
		c->nmutes++;
		if ((rc = mute_str(ctx, path, i, e, "rule", &m->rule)) < 0 ||
		    (rc = mute_str(ctx, path, i, e, "account", &m->account)) < 0 ||
		    (rc = mute_str(ctx, path, i, e, "region", &m->region)) < 0 ||
		    (rc = mute_str(ctx, path, i, e, "resource", &m->resource)) < 0 ||
		    (rc = mute_str(ctx, path, i, e, "reason", &m->reason)) < 0 ||
		    (rc = mute_str(ctx, path, i, e, "expires", &m->expires)) < 0)
			break;
		if (m->expires) {
			long long t = dm__pst_time_str(m->expires);
			if (t < 0) {
				rc = dm__error(ctx, DM_EPARSE, "%s: mute entry %zu: 'expires' is not a date (YYYY-MM-DD)",
					       path, i);
				break;
			}
			m->expires_at = strlen(m->expires) == 10 ? t + 86400 : t; /* a date covers the whole day */
		}
		v = json_object_get(e, "tags");
		if (json_is_object(v)) {
			const char *tk;
			const json_t *tv;
			json_object_foreach((json_t *)v, tk, tv) {
				char buf[512];
				char nb[32];
				const char *sv = scalar(tv, nb, sizeof(nb));
				snprintf(buf, sizeof(buf), "%s=%s", tk, sv ? sv : "");
				if (dm__pst_strs_add(&m->tags, buf) < 0) {
					rc = dm__error(ctx, DM_ENOMEM, "%s: out of memory", path);
					break;
				}
			}
		} else if (v && !json_is_null(v)) {
			rc = dm__error(ctx, DM_EPARSE, "%s: mute entry %zu: 'tags' must be a mapping", path, i);
		}
		if (rc < 0)
			break;
		if (!m->rule && !m->account && !m->region && !m->resource && !m->tags.n) {
			rc = dm__error(ctx, DM_EPARSE, "%s: mute entry %zu matches everything (give rule, account, region, "
					      "resource or tags)", path, i);
			break;
		}
	}
	json_decref(tree);
	return rc;
}
