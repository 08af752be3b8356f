/*
 * driftmap posture benchmark: all rules over a synthetic inventory.
 *
 *   cc -O2 -Iinclude bench/posture_bench.c build/libdriftmap.a $(pkg-config --libs ...) -o posture_bench
 *   ./posture_bench SCALE   (SCALE 1.0 = 2,000 VPCs, 20,000 SGs with 200,000 rules,
 *                            10,000 roles, ~100,000 resources)
 *
 *   ./posture_bench subnets N [TIERS] [matrix]
 *                           segmentation estate: N subnets (50 per VPC, /24 in a /16),
 *                           tagged tier=t0..t{TIERS-1} round-robin (TIERS 0 = untagged:
 *                           the matrix falls back to one tier per subnet); one ENI per
 *                           subnet; VPC v peered with v+1 (routes both ways); SGs by tier
 *                           (443 from the internet, app from web's SG, 5432 from app's
 *                           SG, 22 from the VPC /16 and 8080 from the peer VPC /16); an
 *                           IGW route for the first tier. "matrix": every rule disabled
 *                           but EKS-03 (no clusters), so the run is indexing + matrix.
 *
 * Prints: resources, findings, not_evaluated, run seconds, max RSS.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include "driftmap/driftmap.h"
#include "driftmap/posture.h"

#define ACCT "111111111111"

static void add(dm_inventory *inv, const char *type, const char *id, const char *region, json_t *attrs)
{
	dm_resource r;

	memset(&r, 0, sizeof(r));
	r.provider = "aws";
	r.type = type;
	r.id = id;
	r.account = ACCT;
	r.region = region;
	r.attrs = attrs;
	if (dm_inventory_add(inv, &r, NULL) != 0) {
		fprintf(stderr, "add failed\n");
		exit(1);
	}
}

static json_t *sg_rule(const char *proto, int from, int to, const char *cidr, const char *sg)
{
	return json_pack("{s:s,s:i,s:i,s:[s*],s:[],s:[],s:[s*],s:b}", "protocol", proto, "from_port", from, "to_port",
			 to, "cidr_blocks", cidr, "ipv6_cidr_blocks", "prefix_list_ids", "security_groups", sg, "self", 0);
}

static void log_fn(dm_log_level level, const char *msg, void *ud)
{
	(void)level;
	(void)ud;
	fprintf(stderr, "%s\n", msg);
}

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The segmentation estate of "subnets N [TIERS]" (see the top comment). */
static void build_subnets(dm_inventory *inv, int nsub, int ntiers)
{
	int nvpc = (nsub + 49) / 50, v, k, made = 0;

	for (v = 0; v < nvpc; v++) {
		const char *reg = "us-east-1";
		char vpc[64], cidr[32], peer[32], prev[32], rtb[64], rtbp[64], igw[64], acl[64], pcx[64], pcxp[64];
		json_t *subs = json_array();
		int nt = ntiers > 0 ? (ntiers < 16 ? ntiers : 16) : 3, t;

		snprintf(vpc, sizeof(vpc), "vpc-%06d", v);
		snprintf(cidr, sizeof(cidr), "10.%d.0.0/16", v);
		snprintf(peer, sizeof(peer), "10.%d.0.0/16", v + 1);
		snprintf(prev, sizeof(prev), "10.%d.0.0/16", v ? v - 1 : 0);
		snprintf(rtb, sizeof(rtb), "rtb-main-%06d", v);
		snprintf(rtbp, sizeof(rtbp), "rtb-pub-%06d", v);
		snprintf(igw, sizeof(igw), "igw-%06d", v);
		snprintf(acl, sizeof(acl), "acl-%06d", v);
		snprintf(pcx, sizeof(pcx), "pcx-%06d", v);          /* v <-> v+1 */
		snprintf(pcxp, sizeof(pcxp), "pcx-%06d", v ? v - 1 : 0); /* v-1 <-> v */
		add(inv, "aws_vpc", vpc, reg, json_pack("{s:s,s:s}", "cidr_block", cidr, "main_route_table_id", rtb));
		{
			json_t *routes = json_array();
			if (v + 1 < nvpc)
				json_array_append_new(routes, json_pack("{s:s,s:s,s:s}", "cidr_block", peer,
									"vpc_peering_connection_id", pcx, "state", "active"));
			if (v > 0)
				json_array_append_new(routes, json_pack("{s:s,s:s,s:s}", "cidr_block", prev,
									"vpc_peering_connection_id", pcxp, "state", "active"));
			json_t *pub = json_deep_copy(routes);
			add(inv, "aws_route_table", rtb, reg, json_pack("{s:s,s:o}", "vpc_id", vpc, "route", routes));
			routes = pub;
			json_array_append_new(routes, json_pack("{s:s,s:s}", "cidr_block", "0.0.0.0/0", "gateway_id", igw));
			add(inv, "aws_route_table", rtbp, reg, json_pack("{s:s,s:o}", "vpc_id", vpc, "route", routes));
		}
		add(inv, "aws_internet_gateway", igw, reg, json_pack("{s:s}", "vpc_id", vpc));
		for (t = 0; t < nt; t++) {
			char sgid[64], web[64], app[64];
			json_t *in = json_array();
			snprintf(sgid, sizeof(sgid), "sg-%06d-t%d", v, t);
			snprintf(web, sizeof(web), "sg-%06d-t0", v);
			snprintf(app, sizeof(app), "sg-%06d-t%d", v, t > 1 ? t - 1 : 0);
			if (t == 0)
				json_array_append_new(in, sg_rule("tcp", 443, 443, "0.0.0.0/0", NULL));
			else
				json_array_append_new(in, sg_rule("tcp", 8000 + t, 8000 + t, NULL, t == 1 ? web : app));
			if (t == nt - 1)
				json_array_append_new(in, sg_rule("tcp", 5432, 5432, NULL, app));
			json_array_append_new(in, sg_rule("tcp", 22, 22, cidr, NULL));
			json_array_append_new(in, sg_rule("tcp", 8080, 8080, v + 1 < nvpc ? peer : prev, NULL));
			add(inv, "aws_security_group", sgid, reg,
			    json_pack("{s:s,s:s,s:o,s:[]}", "name", sgid, "vpc_id", vpc, "ingress", in, "egress"));
		}
		for (k = 0; k < 50 && made < nsub; k++, made++) {
			char sid[64], sc[32], tier[16], eni[64], sg[64], assoc[64];
			t = k % nt;
			snprintf(sid, sizeof(sid), "subnet-%06d-%02d", v, k);
			snprintf(sc, sizeof(sc), "10.%d.%d.0/24", v, k);
			snprintf(tier, sizeof(tier), "t%d", t);
			add(inv, "aws_subnet", sid, reg,
			    ntiers > 0 ? json_pack("{s:s,s:s,s:b,s:{s:s}}", "vpc_id", vpc, "cidr_block", sc,
						   "map_public_ip_on_launch", t == 0, "tags", "tier", tier)
				       : json_pack("{s:s,s:s,s:b}", "vpc_id", vpc, "cidr_block", sc, "map_public_ip_on_launch",
						   t == 0));
			json_array_append_new(subs, json_string(sid));
			if (t == 0) {
				snprintf(assoc, sizeof(assoc), "rtbassoc-%06d-%02d", v, k);
				add(inv, "aws_route_table_association", assoc, reg,
				    json_pack("{s:s,s:s}", "subnet_id", sid, "route_table_id", rtbp));
			}
			snprintf(eni, sizeof(eni), "eni-%06d-%02d", v, k);
			snprintf(sg, sizeof(sg), "sg-%06d-t%d", v, t);
			add(inv, "aws_network_interface", eni, reg,
			    json_pack("{s:s,s:[s],s:[{s:s}],s:s}", "subnet_id", sid, "security_groups", sg, "association",
				      "public_ip", t == 0 ? "3.3.3.3" : "", "interface_type", "interface"));
		}
		add(inv, "aws_network_acl", acl, reg,
		    json_pack("{s:s,s:o,s:[{s:i,s:s,s:s,s:s,s:i,s:i},{s:i,s:s,s:s,s:s}],s:[{s:i,s:s,s:s,s:s}]}", "vpc_id",
			      vpc, "subnet_ids", subs, "ingress", "rule_no", 50, "action", "deny", "protocol", "6", "cidr_block",
			      "0.0.0.0/0", "from_port", 3389, "to_port", 3389, "rule_no", 100, "action", "allow", "protocol",
			      "-1", "cidr_block", "0.0.0.0/0", "egress", "rule_no", 100, "action", "allow", "protocol", "-1",
			      "cidr_block", "0.0.0.0/0"));
		if (v + 1 < nvpc) {
			char peer_id[64];
			snprintf(peer_id, sizeof(peer_id), "vpc-%06d", v + 1);
			add(inv, "aws_vpc_peering_connection", pcx, reg,
			    json_pack("{s:s,s:s,s:s}", "vpc_id", vpc, "peer_vpc_id", peer_id, "status", "active"));
		}
	}
}

int main(int argc, char **argv)
{
	int subnet_mode = argc > 2 && strcmp(argv[1], "subnets") == 0;
	double scale = argc > 1 && !subnet_mode ? strtod(argv[1], NULL) : 1.0;
	int nvpc = (int)(2000 * scale), nroles = (int)(10000 * scale), v, k;
	dm_inventory *inv = NULL;
	dm_ctx *ctx = NULL;
	dm_posture *p = NULL;
	dm_posture_config *cfg = NULL;
	dm_posture_summary s;
	struct rusage ru;
	char id[64], id2[64], id3[64], cidr[32];
	double t0, t1, c0, c1;

	dm_ctx_new(&ctx);
	if (getenv("DM_BENCH_DEBUG"))
		dm_ctx_set_log(ctx, log_fn, NULL, DM_LOG_DEBUG);
	dm_inventory_new(&inv);
	if (subnet_mode) {
		int nsub = (int)strtol(argv[2], NULL, 10), ntiers = argc > 3 ? (int)strtol(argv[3], NULL, 10) : 3;
		build_subnets(inv, nsub, ntiers);
		if (argc > 4 && strcmp(argv[4], "matrix") == 0) {
			char path[] = "/tmp/posture_bench_cfgXXXXXX";
			int fd = mkstemp(path);
			FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
			if (!f || fputs("enabled_rules: [EKS-03]\n", f) == EOF || fclose(f) != 0 ||
			    dm_posture_config_load(&cfg, ctx, path) != 0) {
				fprintf(stderr, "config: %s\n", dm_ctx_last_error(ctx));
				return 1;
			}
			remove(path);
		}
		nvpc = 0;
		nroles = 0;
		scale = 0;
	}
	for (v = 0; v < nvpc; v++) {
		const char *reg = v % 2 ? "us-east-1" : "eu-west-1";
		snprintf(id, sizeof(id), "vpc-%06d", v);
		snprintf(cidr, sizeof(cidr), "10.%d.%d.0/22", v / 64, (v % 64) * 4);
		snprintf(id2, sizeof(id2), "rtb-main-%06d", v);
		add(inv, "aws_vpc", id, reg, json_pack("{s:s,s:s}", "cidr_block", cidr, "main_route_table_id", id2));
		add(inv, "aws_route_table", id2, reg, json_pack("{s:s,s:[]}", "vpc_id", id, "route"));
		snprintf(id3, sizeof(id3), "rtb-pub-%06d", v);
		snprintf(id2, sizeof(id2), "igw-%06d", v);
		add(inv, "aws_route_table", id3, reg,
		    json_pack("{s:s,s:[{s:s,s:s}]}", "vpc_id", id, "route", "cidr_block", "0.0.0.0/0", "gateway_id", id2));
		add(inv, "aws_internet_gateway", id2, reg, json_pack("{s:s}", "vpc_id", id));
		snprintf(id2, sizeof(id2), "fl-%06d", v);
		add(inv, "aws_flow_log", id2, reg, json_pack("{s:s,s:s}", "vpc_id", id, "traffic_type", "ALL"));
		{
			json_t *subs = json_array();
			for (k = 0; k < 5; k++) {
				char sid[64], sc[32];
				snprintf(sid, sizeof(sid), "subnet-%06d-%d", v, k);
				snprintf(sc, sizeof(sc), "10.%d.%d.%d/26", v / 64, (v % 64) * 4, k * 64 % 256);
				add(inv, "aws_subnet", sid, reg,
				    json_pack("{s:s,s:s,s:b,s:{s:s}}", "vpc_id", id, "cidr_block", sc, "map_public_ip_on_launch",
					      k == 0, "tags", "tier", k == 0 ? "web" : k < 3 ? "app" : "db"));
				json_array_append_new(subs, json_string(sid));
				if (k == 0) {
					char aid[64];
					snprintf(aid, sizeof(aid), "rtbassoc-%06d", v);
					add(inv, "aws_route_table_association", aid, reg,
					    json_pack("{s:s,s:s}", "subnet_id", sid, "route_table_id", id3));
				}
			}
			snprintf(id2, sizeof(id2), "acl-%06d", v);
			add(inv, "aws_network_acl", id2, reg,
			    json_pack("{s:s,s:o,s:[{s:i,s:s,s:s,s:s,s:i,s:i},{s:i,s:s,s:s,s:s}],s:[{s:i,s:s,s:s,s:s}]}", "vpc_id",
				      id, "subnet_ids", subs, "ingress", "rule_no", 50, "action", "deny", "protocol", "6",
				      "cidr_block", "0.0.0.0/0", "from_port", 22, "to_port", 22, "rule_no", 100, "action",
				      "allow", "protocol", "-1", "cidr_block", "0.0.0.0/0", "egress", "rule_no", 100,
				      "action", "allow", "protocol", "-1", "cidr_block", "0.0.0.0/0"));
		}
		for (k = 0; k < 10; k++) {
			json_t *in = json_array();
			int r;
			char sgid[64], ref[64];
			snprintf(sgid, sizeof(sgid), "sg-%06d-%d", v, k);
			snprintf(ref, sizeof(ref), "sg-%06d-%d", v, (k + 1) % 10);
			for (r = 0; r < 10; r++) {
				switch (r % 5) {
				case 0: json_array_append_new(in, sg_rule("tcp", 443, 443, "0.0.0.0/0", NULL)); break;
				case 1: json_array_append_new(in, sg_rule("tcp", 22, 22, k == 0 ? "0.0.0.0/0" : "10.0.0.0/8", NULL)); break;
				case 2: json_array_append_new(in, sg_rule("tcp", 5432, 5432, NULL, ref)); break;
				case 3: json_array_append_new(in, sg_rule("tcp", 8000 + r, 8000 + r, cidr, NULL)); break;
				default: json_array_append_new(in, sg_rule("udp", 1000 + r, 1000 + r, "192.168.0.0/16", NULL));
				}
			}
			add(inv, "aws_security_group", sgid, reg,
			    json_pack("{s:s,s:s,s:o,s:[]}", "name", k == 9 ? "default" : sgid, "vpc_id", id, "ingress", in,
				      "egress"));
			{
				char eni[64], sn[64], sg2[64];
				snprintf(eni, sizeof(eni), "eni-%06d-%d", v, k);
				snprintf(sn, sizeof(sn), "subnet-%06d-%d", v, k % 5);
				snprintf(sg2, sizeof(sg2), "sg-%06d-%d", v, (k + 3) % 10);
				add(inv, "aws_network_interface", eni, reg,
				    json_pack("{s:s,s:[s,s],s:[{s:s}],s:s}", "subnet_id", sn, "security_groups", sgid, sg2,
					      "association", "public_ip", k % 5 == 0 ? "3.3.3.3" : "", "interface_type",
					      "interface"));
			}
		}
	}
	for (k = 0; k < nroles; k++) {
		char name[64], doc[512];
		snprintf(name, sizeof(name), "role-%06d", k);
		snprintf(doc, sizeof(doc),
			 "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::%012d:root\"},"
			 "\"Action\":\"sts:AssumeRole\"}]}", 200000000 + k % 50);
		add(inv, "aws_iam_role", name, "global",
		    json_pack("{s:s,s:s,s:s,s:[s],s:[{s:s,s:s}],s:s}", "name", name, "path", "/", "assume_role_policy", doc,
			      "managed_policy_arns", k % 7 ? "arn:aws:iam::aws:policy/ReadOnlyAccess" : "arn:aws:iam::aws:policy/AdministratorAccess",
			      "inline_policy", "name", "p",
			      "policy", k % 3 ? "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":[\"s3:GetObject\",\"iam:PassRole\"],\"Resource\":\"*\"}}"
				      : "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"ec2:*\",\"Resource\":\"*\"}}",
			      "create_date", "2024-01-01T00:00:00Z"));
	}
	for (k = 0; k < (int)(13000 * scale); k++) {
		char iid[64], prof[64], role[64], sn[64];
		snprintf(iid, sizeof(iid), "i-%08d", k);
		snprintf(prof, sizeof(prof), "prof-%06d", k);
		snprintf(role, sizeof(role), "role-%06d", k % (nroles ? nroles : 1));
		snprintf(sn, sizeof(sn), "subnet-%06d-%d", k % (nvpc ? nvpc : 1), k % 5);
		add(inv, "aws_iam_instance_profile", prof, "global", json_pack("{s:s,s:s}", "name", prof, "role", role));
		add(inv, "aws_instance", iid, k % 2 ? "us-east-1" : "eu-west-1",
		    json_pack("{s:s,s:s,s:s,s:s}", "subnet_id", sn, "public_ip", k % 4 ? "" : "3.3.3.4", "iam_instance_profile",
			      prof, "instance_state", "running"));
	}
	fprintf(stderr, "resources: %zu\n", dm_inventory_count(inv));
	t0 = now_s();
	c0 = cpu_s();
	if (dm_posture_run(&p, ctx, inv, cfg) != 0) {
		fprintf(stderr, "run: %s\n", dm_ctx_last_error(ctx));
		return 1;
	}
	t1 = now_s();
	c1 = cpu_s();
	dm_posture_summary_get(p, &s);
	getrusage(RUSAGE_SELF, &ru);
	printf("scale=%.2f resources=%zu findings=%zu not_evaluated=%zu tiers=%zu pairs=%zu run_s=%.3f cpu_s=%.3f max_rss_mib=%ld\n", scale,
	       dm_inventory_count(inv), s.findings, s.not_evaluated, dm_posture_tier_count(p), dm_posture_pair_count(p),
	       t1 - t0, c1 - c0, ru.ru_maxrss / 1024);
	dm_posture_free(p);
	dm_posture_config_free(cfg);
	dm_inventory_free(inv);
	dm_ctx_free(ctx);
	return 0;
}
