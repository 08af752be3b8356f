#!/usr/bin/env python3
"""Generate a Terraform v4 state and a matching live inventory (driftmap.inventory/v1)
with N resources and ~2% drift, for the scan benchmark.

usage: gen_estate.py N OUTDIR [--seed S]
Writes OUTDIR/state.tfstate and OUTDIR/live.json. Drift: ~0.7% missing (removed from live),
~0.7% unmanaged (extra live resources), ~0.6% changed (a tag or a rule differs).
"""
import json
import random
import sys

ACCOUNT = "123456789012"
REGION = "us-east-1"


def tags(name, env):
    return {"Name": name, "Env": env, "Team": "platform"}


def make_resources(n, rnd):
    """Yield (type, id, attributes, module) tuples: a realistic mix of network + IAM types."""
    out = []
    vpcs = max(1, n // 50)
    i = 0
    while len(out) < n:
        v = i % vpcs
        vpc_id = "vpc-%012x" % v
        kind = i % 10
        if i < vpcs:
            out.append(("aws_vpc", vpc_id, {
                "id": vpc_id, "cidr_block": "10.%d.0.0/16" % (v % 250), "instance_tenancy": "default",
                "enable_dns_support": True, "enable_dns_hostnames": True,
                "arn": "arn:aws:ec2:%s:%s:vpc/%s" % (REGION, ACCOUNT, vpc_id),
                "tags": tags("vpc-%d" % v, "prod"), "tags_all": tags("vpc-%d" % v, "prod")}, "module.vpc"))
        elif kind < 4:
            sid = "subnet-%012x" % i
            out.append(("aws_subnet", sid, {
                "id": sid, "vpc_id": vpc_id, "cidr_block": "10.%d.%d.0/24" % (v % 250, i % 250),
                "availability_zone": REGION + "a", "map_public_ip_on_launch": False,
                "arn": "arn:aws:ec2:%s:%s:subnet/%s" % (REGION, ACCOUNT, sid),
                "tags": tags("subnet-%d" % i, "prod"), "tags_all": tags("subnet-%d" % i, "prod")}, "module.vpc"))
        elif kind < 7:
            gid = "sg-%012x" % i
            rules = [{"cidr_blocks": ["10.0.0.0/8"], "description": "", "from_port": p, "to_port": p,
                      "ipv6_cidr_blocks": [], "prefix_list_ids": [], "protocol": "tcp",
                      "security_groups": [], "self": False} for p in (22, 443, 8080)]
            out.append(("aws_security_group", gid, {
                "id": gid, "name": "sg-%d" % i, "description": "bench", "vpc_id": vpc_id,
                "arn": "arn:aws:ec2:%s:%s:security-group/%s" % (REGION, ACCOUNT, gid),
                "ingress": rules,
                "egress": [{"cidr_blocks": ["0.0.0.0/0"], "description": "", "from_port": 0, "to_port": 0,
                            "ipv6_cidr_blocks": [], "prefix_list_ids": [], "protocol": "-1",
                            "security_groups": [], "self": False}],
                "tags": tags("sg-%d" % i, "prod"), "tags_all": tags("sg-%d" % i, "prod")}, "module.sg"))
        elif kind < 9:
            rid = "rtb-%012x" % i
            out.append(("aws_route_table", rid, {
                "id": rid, "vpc_id": vpc_id, "propagating_vgws": [],
                "arn": "arn:aws:ec2:%s:%s:route-table/%s" % (REGION, ACCOUNT, rid),
                "route": [{"cidr_block": "0.0.0.0/0", "gateway_id": "igw-%012x" % v, "ipv6_cidr_block": "",
                           "nat_gateway_id": "", "vpc_peering_connection_id": "", "transit_gateway_id": "",
                           "network_interface_id": "", "vpc_endpoint_id": "", "egress_only_gateway_id": "",
                           "destination_prefix_list_id": "", "carrier_gateway_id": "", "core_network_arn": "",
                           "local_gateway_id": ""}],
                "tags": tags("rt-%d" % i, "prod"), "tags_all": tags("rt-%d" % i, "prod")}, "module.vpc"))
        else:
            name = "role-%d" % i
            doc = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                                     "Principal": {"Service": "ec2.amazonaws.com"}}]})
            out.append(("aws_iam_role", name, {
                "id": name, "name": name, "path": "/", "assume_role_policy": doc,
                "arn": "arn:aws:iam::%s:role/%s" % (ACCOUNT, name), "max_session_duration": 3600,
                "description": "", "managed_policy_arns": [], "inline_policy": [],
                "tags": tags(name, "prod"), "tags_all": tags(name, "prod")}, "module.iam"))
        i += 1
    return out


def main():
    n = int(sys.argv[1])
    outdir = sys.argv[2]
    seed = int(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[3] == "--seed" else 7
    rnd = random.Random(seed)
    res = make_resources(n, rnd)
    state_res = []
    live_res = []
    for idx, (typ, rid, attrs, module) in enumerate(res):
        state_res.append({"module": module, "mode": "managed", "type": typ, "name": "r%d" % idx,
                          "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
                          "instances": [{"schema_version": 1, "attributes": attrs,
                                         "sensitive_attributes": [], "dependencies": []}]})
        x = rnd.random()
        if typ == "aws_vpc":
            x = 1.0  # keep the VPCs: their children refer to them
        if x < 0.007:
            continue  # missing
        live = json.loads(json.dumps(attrs))
        if x < 0.013:
            live["tags"]["Env"] = "changed"
            live["tags_all"]["Env"] = "changed"
        region = "global" if typ.startswith("aws_iam") else REGION
        live_res.append({"provider": "aws", "type": typ, "id": rid, "account": ACCOUNT, "region": region,
                         "attributes": live})
    extra = int(n * 0.007)
    for k in range(extra):
        sid = "subnet-ffff%08x" % k
        live_res.append({"provider": "aws", "type": "aws_subnet", "id": sid, "account": ACCOUNT,
                         "region": REGION, "attributes": {"id": sid, "vpc_id": "vpc-%012x" % 0,
                                                          "cidr_block": "172.16.%d.0/24" % (k % 250),
                                                          "tags": {"Name": "by-hand"}}})
    types = sorted({t for t, _, _, _ in res} | {"aws_subnet"})
    scopes = []
    for t in types:
        region = "global" if t.startswith("aws_iam") else REGION
        scopes.append({"provider": "aws", "account": ACCOUNT, "region": region, "api": "bench:" + t,
                       "types": [t], "complete": True, "error": None, "api_calls": 1})
    state = {"version": 4, "terraform_version": "1.11.0", "serial": 1,
             "lineage": "bench-%d" % n, "outputs": {}, "resources": state_res, "check_results": None}
    inv = {"schema": "driftmap.inventory/v1", "scopes": scopes, "sources": [], "resources": live_res}
    with open(outdir + "/state.tfstate", "w") as f:
        json.dump(state, f)
    with open(outdir + "/live.json", "w") as f:
        json.dump(inv, f)


if __name__ == "__main__":
    main()
