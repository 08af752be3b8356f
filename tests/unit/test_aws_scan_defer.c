/*
 * The AWS scan's scheduling: completions held until the account id is known
 * (aws_scan_hold / aws_scan_release), and the per-VPC attribute calls limited
 * to the VPCs the state holds, sent with the list calls when the state says
 * which region a VPC is in. A fake transport answers from recorded responses.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "internal.h"
#include "providers/aws/aws_internal.h"
#include "providers/aws/aws_services.h"

#define ACCT "123456789012"
#define VPC_A "vpc-bb01140db9f6ad84e" /* listed, state knows its region */
#define VPC_B "vpc-e1bf99b80d397edf6" /* listed, state has no arn */
#define VPC_GONE "vpc-0000000000000dead" /* in the state only */

struct pending {
	char *api, *body, *account;
	aws_done_fn done;
	void *ud;
};

struct fake {
	struct pending q[256];
	size_t head, tail;
	unsigned answered; /* responses delivered so far */
	unsigned vattr_sent_before_vpcs; /* attribute calls queued before DescribeVpcs answered */
	int vpcs_answered;
	char vattr_bodies[16][256];
	size_t nvattr;
	unsigned calls_by_empty_account;
};

static char *fixture_text(const char *name, size_t *len)
{
	char rel[256];

	snprintf(rel, sizeof(rel), "aws/responses/%s", name);
	return tu_read_file(tu_fixture(rel), len);
}

static int fake_submit(void *t, const aws_request *req, const aws_creds *creds, aws_done_fn done,
		       void *ud)
{
	struct fake *f = t;
	struct pending *p;

	(void)creds;
	assert_true(f->tail < 256);
	p = &f->q[f->tail++];
	p->api = strdup(req->api);
	p->body = req->body ? strndup(req->body, req->body_len) : strdup("");
	p->account = strdup(req->account ? req->account : "");
	p->done = done;
	p->ud = ud;
	if (strcmp(req->api, "ec2:DescribeVpcAttribute") == 0) {
		if (!f->vpcs_answered)
			f->vattr_sent_before_vpcs++;
		assert_true(f->nvattr < 16);
		snprintf(f->vattr_bodies[f->nvattr++], 256, "%s", p->body);
	}
	if (!*p->account)
		f->calls_by_empty_account++;
	return 0;
}

static unsigned fake_calls(void *t, const char *account, const char *region, const char *api)
{
	(void)t;
	(void)account;
	(void)region;
	(void)api;
	return 1;
}

static const char *fixture_for(const char *api, const char *body)
{
	static const char *const map[][2] = {
		{ "ec2:DescribeVpcs", "ec2_DescribeVpcs.xml" },
		{ "ec2:DescribeSubnets", "ec2_DescribeSubnets.xml" },
		{ "ec2:DescribeSecurityGroups", "ec2_DescribeSecurityGroups.xml" },
		{ "ec2:DescribeRouteTables", "ec2_DescribeRouteTables.xml" },
		{ "ec2:DescribeInternetGateways", "ec2_DescribeInternetGateways.xml" },
		{ "ec2:DescribeNatGateways", "ec2_DescribeNatGateways.xml" },
		{ "ec2:DescribeAddresses", "ec2_DescribeAddresses.xml" },
		{ "ec2:DescribeVpcPeeringConnections", "ec2_DescribeVpcPeeringConnections.xml" },
		{ "ec2:DescribeNetworkAcls", "ec2_DescribeNetworkAcls.xml" },
		{ "ec2:DescribeFlowLogs", "ec2_DescribeFlowLogs.xml" },
		{ "ec2:DescribeVpcEndpoints", "ec2_DescribeVpcEndpoints.xml" },
	};

	if (strcmp(api, "ec2:DescribeVpcAttribute") == 0)
		return strstr(body, "enableDnsSupport") ? "ec2_DescribeVpcAttribute_enableDnsSupport.xml"
							: "ec2_DescribeVpcAttribute_enableDnsHostnames.xml";
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (strcmp(map[i][0], api) == 0)
			return map[i][1];
	}
	fail_msg("fake transport: no route for %s", api);
	return NULL;
}

/* Answer up to n queued requests (and those the callbacks queue), FIFO. */
static void fake_run(struct fake *f, size_t n)
{
	while (f->head < f->tail && n-- > 0) {
		struct pending *p = &f->q[f->head++];
		aws_response resp;
		char *body = NULL;
		size_t len = 0;

		memset(&resp, 0, sizeof(resp));
		resp.attempts = 1;
		if (strcmp(p->api, "ec2:DescribeVpcAttribute") == 0 && strstr(p->body, VPC_GONE)) {
			body = strdup("<Response><Errors><Error><Code>InvalidVpcID.NotFound</Code>"
				      "<Message>gone</Message></Error></Errors></Response>");
			len = strlen(body);
			resp.status = 400;
			resp.error_code = strdup("InvalidVpcID.NotFound");
		} else {
			body = fixture_text(fixture_for(p->api, p->body), &len);
			resp.status = 200;
		}
		assert_non_null(body);
		resp.body = body;
		resp.body_len = len;
		if (strcmp(p->api, "ec2:DescribeVpcs") == 0)
			f->vpcs_answered = 1;
		f->answered++;
		p->done(NULL, 0, &resp, p->ud);
		free(resp.error_code);
		free(body);
		free(p->api);
		free(p->body);
		free(p->account);
	}
}

static int emit_res(void *host, const dm_resource *r)
{
	return dm_inventory_add(host, r, NULL);
}

static int emit_scope(void *host, const dm_scope *s)
{
	return dm_inventory_add_scope(host, s);
}

static void add_state_vpc(dm_inventory *st, const char *id, const char *arn, int hostnames)
{
	dm_resource r;
	json_t *a = json_pack("{s:s, s:b}", "id", id, "enable_dns_support", 1);

	assert_non_null(a);
	if (arn)
		json_object_set_new(a, "arn", json_string(arn));
	if (hostnames)
		json_object_set_new(a, "enable_dns_hostnames", json_false());
	memset(&r, 0, sizeof(r));
	r.provider = "aws";
	r.type = "aws_vpc";
	r.id = id;
	r.attrs = a;
	assert_int_equal(dm_inventory_add(st, &r, NULL), 0);
}

static const dm_resource *find(const dm_inventory *inv, const char *type, const char *id)
{
	for (size_t i = 0; i < dm_inventory_count(inv); i++) {
		const dm_resource *r = dm_inventory_at(inv, i);

		if (strcmp(r->type, type) == 0 && strcmp(r->id, id) == 0)
			return r;
	}
	return NULL;
}

struct run {
	dm_ctx *ctx;
	dm_inventory *live, *state;
	dm_strmap *vpcs;
	struct fake *f;
	aws_scan *scan;
};

static void run_start(struct run *r, int with_state, int hold)
{
	static const aws_creds creds = { (char *)"AKIDEXAMPLE", (char *)"secret", NULL, 0 };
	aws_scan_options so = { 1, 1, 0 };
	aws_transport tr;
	static dm_emit emit;

	memset(r, 0, sizeof(*r));
	setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1", 1);
	assert_int_equal(dm_ctx_new(&r->ctx), 0);
	assert_int_equal(dm_inventory_new(&r->live), 0);
	r->f = calloc(1, sizeof(*r->f));
	assert_non_null(r->f);
	if (with_state) {
		assert_int_equal(dm_inventory_new(&r->state), 0);
		add_state_vpc(r->state, VPC_A, "arn:aws:ec2:us-east-1:" ACCT ":vpc/" VPC_A, 0);
		add_state_vpc(r->state, VPC_B, NULL, 1);
		add_state_vpc(r->state, VPC_GONE, "arn:aws:ec2:us-east-1:" ACCT ":vpc/" VPC_GONE, 1);
		/* a VPC of another region: never asked for here */
		add_state_vpc(r->state, "vpc-0eu0000000000000", "arn:aws:ec2:eu-west-1:" ACCT ":vpc/x", 1);
		assert_int_equal(aws_state_vpcs_build(&r->vpcs, r->state), 0);
		assert_non_null(r->vpcs);
	}
	tr.submit = fake_submit;
	tr.calls = fake_calls;
	tr.t = r->f;
	memset(&emit, 0, sizeof(emit));
	emit.resource = emit_res;
	emit.scope = emit_scope;
	emit.host = r->live;
	assert_int_equal(aws_scan_new(&r->scan, r->ctx, &tr, &emit, &so), 0);
	aws_scan_set_state_vpcs(r->scan, r->vpcs);
	if (hold)
		aws_scan_hold(r->scan);
	assert_int_equal(aws_scan_ec2(r->scan, hold ? "" : ACCT, "us-east-1", &creds), 0);
}

static void run_free(struct run *r)
{
	aws_scan_free(r->scan);
	aws_state_vpcs_free(r->vpcs);
	dm_inventory_free(r->state);
	dm_inventory_free(r->live);
	dm_ctx_free(r->ctx);
	free(r->f);
}

static void test_aws_scan__held_completions_run_with_the_account_once_released(void **state)
{
	struct run r;
	const dm_resource *v;
	unsigned before;

	(void)state;
	run_start(&r, 0, 1);
	/* every list call is answered while the account is unknown: nothing is mapped yet */
	before = (unsigned)r.f->tail;
	fake_run(r.f, before);
	assert_int_equal(r.f->answered, before);
	assert_int_equal(r.f->tail, before); /* no callback ran, so no follow-up request */
	assert_int_equal(aws_scan_release(r.scan, ACCT), 0);
	/* the callbacks ran: the attribute calls of the (unfiltered) VPCs were queued */
	assert_true(r.f->tail > before);
	fake_run(r.f, 1000);
	assert_int_equal(aws_scan_flush(r.scan), 0);
	assert_true(dm_inventory_scope_count(r.live) == 11);
	for (size_t i = 0; i < dm_inventory_scope_count(r.live); i++) {
		const dm_scope *s = dm_inventory_scope_at(r.live, i);

		if (!s->complete)
			fail_msg("scope %s failed: %s", s->api, s->error);
		assert_string_equal(s->account, ACCT);
	}
	v = find(r.live, "aws_vpc", VPC_A);
	assert_non_null(v);
	assert_string_equal(v->account, ACCT);
	assert_non_null(json_object_get(dm_resource_attrs(v), "enable_dns_support"));
	/* every request kept the account key it was sent with */
	assert_int_equal(r.f->calls_by_empty_account, r.f->tail);
	run_free(&r);
}

static void test_aws_scan__release_without_account_abandons_the_scan(void **state)
{
	struct run r;

	(void)state;
	run_start(&r, 1, 1);
	fake_run(r.f, 3);
	assert_int_equal(aws_scan_release(r.scan, NULL), 0);
	fake_run(r.f, 1000); /* the rest complete into failed jobs: no follow-ups, no leaks */
	assert_int_equal(r.f->head, r.f->tail);
	assert_int_equal(dm_inventory_count(r.live), 0);
	run_free(&r);
}

static void test_aws_scan__vpc_attributes_only_for_state_vpcs(void **state)
{
	struct run r;
	const dm_resource *a, *b;
	json_t *aa, *ba;
	const dm_scope *sc = NULL;
	int saw_gone = 0, saw_a_hostnames = 0, saw_default = 0, saw_other_region = 0;

	(void)state;
	run_start(&r, 1, 0);
	/* VPC_A (support only) and VPC_GONE (both) are in us-east-1 by their arn: asked for
	 * with the list calls; VPC_B's region is unknown: after the listing */
	assert_int_equal(r.f->vattr_sent_before_vpcs, 3);
	fake_run(r.f, 1000);
	assert_int_equal(r.f->nvattr, 5); /* + VPC_B's two */
	for (size_t i = 0; i < r.f->nvattr; i++) {
		const char *body = r.f->vattr_bodies[i];

		saw_gone += strstr(body, VPC_GONE) != NULL;
		saw_a_hostnames += strstr(body, VPC_A) && strstr(body, "enableDnsHostnames");
		saw_default += strstr(body, "vpc-bf317d60bcad5a1c9") != NULL;
		saw_other_region += strstr(body, "vpc-0eu") != NULL;
	}
	assert_int_equal(saw_gone, 2);
	assert_int_equal(saw_a_hostnames, 0); /* the state does not hold it */
	assert_int_equal(saw_default, 0);     /* the default VPC is not in the state */
	assert_int_equal(saw_other_region, 0);
	assert_int_equal(aws_scan_flush(r.scan), 0);
	for (size_t i = 0; i < dm_inventory_scope_count(r.live); i++) {
		const dm_scope *s = dm_inventory_scope_at(r.live, i);

		if (strcmp(s->api, "ec2:DescribeVpcs") == 0)
			sc = s;
	}
	assert_non_null(sc);
	if (!sc->complete) /* a state VPC that is gone is not an error: the listing decides */
		fail_msg("DescribeVpcs scope failed: %s", sc->error);
	a = find(r.live, "aws_vpc", VPC_A);
	b = find(r.live, "aws_vpc", VPC_B);
	assert_non_null(a);
	assert_non_null(b);
	assert_null(find(r.live, "aws_vpc", VPC_GONE));
	assert_non_null(find(r.live, "aws_vpc", "vpc-bf317d60bcad5a1c9")); /* listed, no attrs */
	aa = dm_resource_attrs(a);
	ba = dm_resource_attrs(b);
	assert_true(json_is_boolean(json_object_get(aa, "enable_dns_support")));
	assert_null(json_object_get(aa, "enable_dns_hostnames"));
	assert_null(json_object_get(aa, "__gone"));
	assert_true(json_is_boolean(json_object_get(ba, "enable_dns_support")));
	assert_true(json_is_boolean(json_object_get(ba, "enable_dns_hostnames")));
	run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aws_scan__held_completions_run_with_the_account_once_released),
		cmocka_unit_test(test_aws_scan__release_without_account_abandons_the_scan),
		cmocka_unit_test(test_aws_scan__vpc_attributes_only_for_state_vpcs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
