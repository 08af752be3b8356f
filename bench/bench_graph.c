/*
 * bench_graph — diagram build + layout + SVG render time and peak RSS for
 * synthetic estates of N resources (default 500, 2000, 5000).
 *
 *   bench_graph [--runs R] [--out DIR] [--collapse T] [--page T] [--format svg|png] [N ...]
 *
 * Each N runs in its own child process (so peak RSS is that estate's), R
 * times; the median wall time is reported, and the median CPU time of the
 * process (a load-independent figure on a shared machine). The estate: per VPC unit 78
 * resources (VPC, IGW, 12 subnets, 3 NAT + EIP, 4 route tables + 12
 * associations, 20 security groups with SG-to-SG and open rules, NACL, 2
 * endpoints, EKS cluster + 2 node groups, flow log, 10 roles, 5 policies),
 * spread over 2 accounts x 2 regions; the state misses 3% of the live
 * resources (unmanaged) and holds 2% extra (missing).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include "driftmap/driftmap.h"
#include "driftmap/graph.h"

static double clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static double now_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}

struct gen {
	dm_inventory *live, *state;
	size_t n, target;
	unsigned seq;
};

static void add(struct gen *g, const char *type, const char *id, const char *acct, const char *region, json_t *attrs)
{
	dm_resource r;
	unsigned k = g->seq++;

	memset(&r, 0, sizeof(r));
	r.provider = "aws";
	r.type = type;
	r.id = id;
	r.account = acct;
	r.region = region;
	/* 3% only live (unmanaged), 2% only in state (missing), the rest both */
	if (k % 100 < 3) {
		r.attrs = attrs;
		dm_inventory_add(g->live, &r, NULL);
	} else if (k % 100 < 5) {
		r.account = NULL;
		r.region = NULL;
		r.attrs = attrs;
		dm_inventory_add(g->state, &r, NULL);
	} else {
		r.attrs = json_deep_copy(attrs);
		dm_inventory_add(g->live, &r, NULL);
		r.account = NULL;
		r.region = NULL;
		r.attrs = attrs;
		dm_inventory_add(g->state, &r, NULL);
	}
	g->n++;
}

static json_t *sg_rule(const char *proto, int from, int to, const char *cidr, const char *sg)
{
	return json_pack("{s:s,s:i,s:i,s:[s*],s:[],s:[],s:[s*],s:b}", "protocol", proto, "from_port", from,
			 "to_port", to, "cidr_blocks", cidr, "ipv6_cidr_blocks", "prefix_list_ids",
			 "security_groups", sg, "self", 0);
}

static void vpc_unit(struct gen *g, unsigned u)
{
	static const char *const accts[] = { "111111111111", "222222222222" };
	static const char *const regions[] = { "us-east-1", "eu-west-1" };
	const char *acct = accts[u % 2], *region = regions[(u / 2) % 2];
	char vpc[32], id[64], id2[64], id3[64], arn[160];
	unsigned i;

	snprintf(vpc, sizeof(vpc), "vpc-%05u", u);
	add(g, "aws_vpc", vpc, acct, region, json_pack("{s:s,s:{s:s}}", "cidr_block", "10.0.0.0/16", "tags", "Name", vpc));
	snprintf(id, sizeof(id), "igw-%05u", u);
	add(g, "aws_internet_gateway", id, acct, region, json_pack("{s:s}", "vpc_id", vpc));
	for (i = 0; i < 12; i++) {
		snprintf(id, sizeof(id), "subnet-%05u-%02u", u, i);
		add(g, "aws_subnet", id, acct, region,
		    json_pack("{s:s,s:s,s:{s:s}}", "vpc_id", vpc, "cidr_block", "10.0.1.0/24", "tags", "Name", id));
	}
	for (i = 0; i < 3; i++) {
		snprintf(id, sizeof(id), "eipalloc-%05u-%u", u, i);
		add(g, "aws_eip", id, acct, region, json_pack("{s:s}", "domain", "vpc"));
		snprintf(id2, sizeof(id2), "nat-%05u-%u", u, i);
		snprintf(id3, sizeof(id3), "subnet-%05u-%02u", u, i);
		add(g, "aws_nat_gateway", id2, acct, region, json_pack("{s:s,s:s}", "subnet_id", id3, "allocation_id", id));
	}
	for (i = 0; i < 4; i++) {
		snprintf(id, sizeof(id), "rtb-%05u-%u", u, i);
		snprintf(id2, sizeof(id2), "nat-%05u-%u", u, i % 3);
		snprintf(id3, sizeof(id3), "igw-%05u", u);
		add(g, "aws_route_table", id, acct, region,
		    json_pack("{s:s,s:[{s:s,s:s,s:s}]}", "vpc_id", vpc, "route", "cidr_block", "0.0.0.0/0",
			      i == 0 ? "gateway_id" : "nat_gateway_id", i == 0 ? id3 : id2, "vpc_peering_connection_id", ""));
	}
	for (i = 0; i < 12; i++) {
		snprintf(id, sizeof(id), "rtbassoc-%05u-%02u", u, i);
		snprintf(id2, sizeof(id2), "subnet-%05u-%02u", u, i);
		snprintf(id3, sizeof(id3), "rtb-%05u-%u", u, i < 3 ? 0 : 1 + i % 3);
		add(g, "aws_route_table_association", id, acct, region,
		    json_pack("{s:s,s:s}", "subnet_id", id2, "route_table_id", id3));
	}
	for (i = 0; i < 20; i++) {
		char peer[64], peer2[64];

		snprintf(id, sizeof(id), "sg-%05u-%02u", u, i);
		snprintf(peer, sizeof(peer), "sg-%05u-%02u", u, (i + 1) % 20);
		snprintf(peer2, sizeof(peer2), "sg-%05u-%02u", u, (i + 7) % 20);
		add(g, "aws_security_group", id, acct, region,
		    json_pack("{s:s,s:s,s:[o,o,o],s:[o]}", "name", id, "vpc_id", vpc, "ingress",
			      sg_rule("tcp", 443, 443, i % 5 == 0 ? "0.0.0.0/0" : NULL, NULL),
			      sg_rule("tcp", 8000 + (int)i, 8000 + (int)i, NULL, peer),
			      sg_rule("tcp", 5432, 5432, NULL, peer2), "egress", sg_rule("-1", 0, 0, "0.0.0.0/0", NULL)));
	}
	snprintf(id, sizeof(id), "acl-%05u", u);
	add(g, "aws_network_acl", id, acct, region, json_pack("{s:s,s:[]}", "vpc_id", vpc, "subnet_ids"));
	for (i = 0; i < 2; i++) {
		snprintf(id, sizeof(id), "vpce-%05u-%u", u, i);
		snprintf(id2, sizeof(id2), "rtb-%05u-%u", u, 1 + i);
		add(g, "aws_vpc_endpoint", id, acct, region, json_pack("{s:s,s:[s]}", "vpc_id", vpc, "route_table_ids", id2));
	}
	snprintf(id, sizeof(id), "eks-%05u", u);
	snprintf(arn, sizeof(arn), "arn:aws:iam::%s:role/role-%05u-0", acct, u);
	snprintf(id2, sizeof(id2), "subnet-%05u-04", u);
	snprintf(id3, sizeof(id3), "subnet-%05u-05", u);
	add(g, "aws_eks_cluster", id, acct, region,
	    json_pack("{s:s,s:[{s:[s,s],s:[s],s:s}]}", "role_arn", arn, "vpc_config", "subnet_ids", id2, id3,
		      "security_group_ids", "sg-00000-00", "vpc_id", vpc));
	for (i = 0; i < 2; i++) {
		char ng[96];

		snprintf(ng, sizeof(ng), "%s:ng%u", id, i);
		add(g, "aws_eks_node_group", ng, acct, region,
		    json_pack("{s:s,s:s,s:[s,s]}", "cluster_name", id, "node_role_arn", arn, "subnet_ids", id2, id3));
	}
	snprintf(id, sizeof(id), "fl-%05u", u);
	add(g, "aws_flow_log", id, acct, region, json_pack("{s:s}", "vpc_id", vpc));
	for (i = 0; i < 10; i++) {
		snprintf(id, sizeof(id), "role-%05u-%u", u, i);
		snprintf(arn, sizeof(arn), "arn:aws:iam::%s:policy/pol-%05u-%u", acct, u, i % 5);
		add(g, "aws_iam_role", id, acct, "global",
		    json_pack("{s:s,s:s,s:[s]}", "name", id, "assume_role_policy",
			      "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"ec2.amazonaws.com\"}}]}",
			      "managed_policy_arns", arn));
	}
	for (i = 0; i < 5; i++) {
		snprintf(arn, sizeof(arn), "arn:aws:iam::%s:policy/pol-%05u-%u", acct, u, i);
		add(g, "aws_iam_policy", arn, acct, "global", json_pack("{s:s}", "policy", "{}"));
	}
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static const char *g_format = "svg";

static int run_one(size_t target, int runs, const char *outdir, unsigned collapse, unsigned page, int fd)
{
	struct gen g;
	dm_ctx *ctx = NULL;
	double t[16], tb[16], tc[16];
	int r;
	unsigned u = 0;
	char path[1024], line[256];
	size_t nodes = 0, edges = 0;

	memset(&g, 0, sizeof(g));
	if (dm_ctx_new(&ctx) || dm_inventory_new(&g.live) || dm_inventory_new(&g.state))
		return 1;
	while (g.n < target)
		vpc_unit(&g, u++);
	snprintf(path, sizeof(path), "%s/bench-%zu.%s", outdir, target, g_format);
	for (r = 0; r < runs && r < 16; r++) {
		dm_graph *gr = NULL;
		dm_graph_options o;
		double t0 = now_ms(), t1, c0 = clock_ms(CLOCK_PROCESS_CPUTIME_ID);

		memset(&o, 0, sizeof(o));
		o.collapse_threshold = collapse;
		o.page_threshold = page;
		if (dm_graph_build(&gr, ctx, g.live, g.state, NULL, NULL, 0, &o)) {
			fprintf(stderr, "build: %s\n", dm_ctx_last_error(ctx));
			return 1;
		}
		t1 = now_ms();
		if (dm_graph_render(ctx, gr, DM_VIEW_DRIFT, g_format, path)) {
			fprintf(stderr, "render: %s\n", dm_ctx_last_error(ctx));
			return 1;
		}
		t[r] = now_ms() - t0;
		tc[r] = clock_ms(CLOCK_PROCESS_CPUTIME_ID) - c0;
		tb[r] = t1 - t0;
		nodes = dm_graph_node_count(gr);
		edges = dm_graph_edge_count(gr);
		dm_graph_free(gr);
	}
	qsort(t, (size_t)runs, sizeof(double), cmp_d);
	qsort(tb, (size_t)runs, sizeof(double), cmp_d);
	qsort(tc, (size_t)runs, sizeof(double), cmp_d);
	snprintf(line, sizeof(line), "%zu %zu %zu %u %.0f %.0f %.0f %.0f\n", g.n, nodes, edges, u, tb[runs / 2],
		 t[runs / 2], t[runs - 1], tc[runs / 2]);
	if (write(fd, line, strlen(line)) < 0)
		return 1;
	dm_inventory_free(g.live);
	dm_inventory_free(g.state);
	dm_ctx_free(ctx);
	return 0;
}

int main(int argc, char **argv)
{
	size_t sizes[16];
	size_t ns = 0, i;
	int runs = 3, a;
	const char *outdir = "/tmp";
	unsigned collapse = 0, page = 0;

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--runs") == 0 && a + 1 < argc)
			runs = (int)strtol(argv[++a], NULL, 10);
		else if (strcmp(argv[a], "--out") == 0 && a + 1 < argc)
			outdir = argv[++a];
		else if (strcmp(argv[a], "--collapse") == 0 && a + 1 < argc)
			collapse = (unsigned)strtoul(argv[++a], NULL, 10);
		else if (strcmp(argv[a], "--format") == 0 && a + 1 < argc)
			g_format = argv[++a];
		else if (strcmp(argv[a], "--page") == 0 && a + 1 < argc)
			page = (unsigned)strtoul(argv[++a], NULL, 10);
		else if (ns < 16)
			sizes[ns++] = (size_t)strtoull(argv[a], NULL, 10);
	}
	if (runs < 1 || runs > 15)
		runs = 3;
	if (!ns) {
		sizes[0] = 500;
		sizes[1] = 2000;
		sizes[2] = 5000;
		ns = 3;
	}
	printf("%-9s %-7s %-7s %-5s %-9s %-10s %-8s %-10s %-11s\n", "resources", "nodes", "edges", "vpcs",
	       "build_ms", "median_ms", "max_ms", "cpu_ms", "peak_rss_mb");
	for (i = 0; i < ns; i++) {
		int p[2], status = 0;
		pid_t pid;
		struct rusage ru;
		char buf[256];
		ssize_t got;

		if (pipe(p) != 0)
			return 1;
		pid = fork();
		if (pid == 0) {
			close(p[0]);
			_exit(run_one(sizes[i], runs, outdir, collapse, page, p[1]));
		}
		close(p[1]);
		got = read(p[0], buf, sizeof(buf) - 1);
		close(p[0]);
		if (wait4(pid, &status, 0, &ru) < 0 || got <= 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
			fprintf(stderr, "bench for %zu failed\n", sizes[i]);
			return 1;
		}
		buf[got] = '\0';
		{
			size_t n, nodes, edges;
			unsigned vpcs;
			double b, med, mx, cpu;

			if (sscanf(buf, "%zu %zu %zu %u %lf %lf %lf %lf", &n, &nodes, &edges, &vpcs, &b, &med, &mx,
				   &cpu) == 8)
				printf("%-9zu %-7zu %-7zu %-5u %-9.0f %-10.0f %-8.0f %-10.0f %-11.1f\n", n, nodes, edges,
				       vpcs, b, med, mx, cpu, (double)ru.ru_maxrss / 1024.0);
		}
		fflush(stdout);
	}
	return 0;
}
