#!/usr/bin/env python3
"""API calls per resource of a full driftmap AWS scan (issue 3, 10(a)) and peak RSS (10(c)).

Builds an emulator (moto) estate of >= 2,000 resources in 3 regions, commits a
small state (the VPCs, holding enable_dns_* so the per-VPC attribute calls are
made as they would be for a real state), runs `driftmap scan` N times under
/usr/bin/time -v, and prints: live resources emitted, API calls the scan made
(sum of sources.live[].api_calls of the JSON report), calls per resource, the
calls a per-resource refresh would need (REFRESH_CALLS below, the AWS
provider v5 Read functions), the median wall time and peak RSS.

Usage: DM_BIN=build/driftmap bench/aws_scan_bench.py [--runs 3] [--vpcs-per-region 8]
"""
import atexit
import shutil
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
import awsestate as est  # noqa: E402

REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2"]

# API calls `terraform plan -refresh-only` makes per resource (AWS provider v5 Read functions).
REFRESH_CALLS = {
    "aws_vpc": 7,  # DescribeVpcs, DescribeVpcAttribute x3, main route table, default SG, default NACL
    "aws_subnet": 1, "aws_security_group": 1, "aws_route_table": 1,
    "aws_route_table_association": 1, "aws_main_route_table_association": 1,
    "aws_internet_gateway": 1, "aws_nat_gateway": 1,
    "aws_eip": 2,  # DescribeAddresses, DescribeAddressesAttribute (ptr_record)
    "aws_vpc_peering_connection": 1, "aws_network_acl": 1, "aws_network_acl_association": 1,
    "aws_flow_log": 1, "aws_vpc_endpoint": 2,  # + DescribePrefixLists (gateway)
    "aws_iam_role": 3,  # GetRole, ListRolePolicies, ListAttachedRolePolicies (+GetRolePolicy each)
    "aws_iam_policy": 3,  # GetPolicy, GetPolicyVersion, ListPolicyTags
    "aws_iam_instance_profile": 1, "aws_eks_cluster": 1, "aws_eks_node_group": 1,
}


def build(c, region, nvpc, r_idx):
    ec2 = c["ec2"]
    for v in range(nvpc):
        base = "10.%d" % (r_idx * 40 + v)
        vpc = ec2.create_vpc(CidrBlock=base + ".0.0/16", TagSpecifications=[
            {"ResourceType": "vpc", "Tags": est.tags(Name="bench-%d" % v)}])["Vpc"]["VpcId"]
        igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
        acl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
        ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Protocol="6", RuleAction="allow",
                                     Egress=False, CidrBlock="10.0.0.0/8", PortRange={"From": 443, "To": 443})
        rts = []
        for k in range(8):
            rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
            ec2.create_route(RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
            rts.append(rt)
        for s in range(25):
            sn = ec2.create_subnet(VpcId=vpc, CidrBlock="%s.%d.0/24" % (base, s),
                                   AvailabilityZone=region + "ab"[s % 2])["Subnet"]["SubnetId"]
            ec2.associate_route_table(RouteTableId=rts[s % 8], SubnetId=sn)
        for g in range(25):
            sg = ec2.create_security_group(GroupName="bench-%d-%d" % (v, g), Description="bench",
                                           VpcId=vpc)["GroupId"]
            ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
                {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                 "IpRanges": [{"CidrIp": "10.0.0.0/8"}, {"CidrIp": "192.168.0.0/16"}]}])


def build_estate(m, vpcs_per_region, roles):
    """The bench estate in a fresh moto: roles (half with a policy) and every region's VPCs.
    Returns the boto3 clients per region."""
    m.reset(seed=1)
    t0 = time.time()
    cs = {r: est.clients(m.url, r) for r in REGIONS}
    iam = cs[REGIONS[0]]["iam"]
    for i in range(roles):
        iam.create_role(RoleName="bench-role-%d" % i,
                        AssumeRolePolicyDocument=json.dumps(est.TRUST_EC2))
        if i % 2 == 0:
            arn = iam.create_policy(PolicyName="bench-pol-%d" % i,
                                    PolicyDocument=json.dumps(est.POLICY_READ))["Policy"]["Arn"]
            iam.attach_role_policy(RoleName="bench-role-%d" % i, PolicyArn=arn)
    for i, r in enumerate(REGIONS):
        build(cs[r], r, vpcs_per_region, i)
    print("estate built in %.0f s" % (time.time() - t0), file=sys.stderr)
    return cs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--vpcs-per-region", type=int, default=8)
    ap.add_argument("--roles", type=int, default=100)
    ap.add_argument("--concurrency", type=int, default=16)
    a = ap.parse_args()
    dm = os.environ.get("DM_BIN") or os.path.join(os.environ.get("DM_BUILD_DIR", "build"), "driftmap")
    tmp = tempfile.mkdtemp(prefix="dm-bench-")
    atexit.register(shutil.rmtree, tmp, True)
    with est.Moto() as m:
        cs = build_estate(m, a.vpcs_per_region, a.roles)
        # a state holding the VPCs with their DNS attributes (so the per-VPC calls are made)
        w = est.StateWriter()
        for r in REGIONS:
            for v in cs[r]["ec2"].describe_vpcs()["Vpcs"]:
                if v.get("IsDefault"):
                    continue
                w.add("aws_vpc", "v", {"id": v["VpcId"], "cidr_block": v["CidrBlock"],
                                       "enable_dns_support": True, "enable_dns_hostnames": False,
                                       "tags": est.tagmap(v.get("Tags")),
                                       "tags_all": est.tagmap(v.get("Tags"))},
                      module="module.%s" % r.replace("-", "_"), index_key=v["VpcId"], schema_version=1)
        repo = os.path.join(tmp, "repo")
        est.commit_state(repo, "prod.tfstate", w.document())
        env = dict(os.environ)
        env.update(est.aws_env(m.url))
        env["HOME"] = tmp
        walls, rss, report = [], [], None
        for run in range(a.runs):
            out = os.path.join(tmp, "r%d.json" % run)
            cmd = ["/usr/bin/time", "-v", dm, "scan", "--state", "git::%s//prod.tfstate?ref=main" % repo,
                   "--concurrency", str(a.concurrency), "--format", "json", "--output", "json=" + out,
                   "--quiet", "--save-live", os.path.join(tmp, "live.json")]
            for r in REGIONS:
                cmd += ["--region", r]
            t = time.time()
            p = subprocess.run(cmd, env=env, capture_output=True, text=True)
            walls.append(time.time() - t)
            mm = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
            rss.append(int(mm.group(1)) if mm else -1)
            if p.returncode not in (0, 2) or not os.path.exists(out):
                print("scan failed (exit %d): %s" % (p.returncode, p.stderr[-1500:]), file=sys.stderr)
                return 1
            with open(out) as f:
                report = json.load(f)
        # live resources and per-API calls: from the saved live inventory of the last run
        with open(os.path.join(tmp, "live.json")) as f:
            live = json.load(f)
        resources = live["resources"]
        per_api = {}
        for s in live["scopes"]:
            per_api[s["api"]] = per_api.get(s["api"], 0) + s["api_calls"]
    by_type = {}
    for r in resources:
        by_type[r["type"]] = by_type.get(r["type"], 0) + 1
    calls = sum(s.get("api_calls", 0) for s in report["sources"]["live"])
    refresh = sum(REFRESH_CALLS.get(t, 1) * n for t, n in by_type.items())
    res = {
        "regions": REGIONS, "live_resources": len(resources), "by_type": by_type,
        "scan_api_calls": calls, "calls_per_resource": round(calls / max(1, len(resources)), 4),
        "refresh_api_calls": refresh,
        "refresh_calls_per_resource": round(refresh / max(1, len(resources)), 3),
        "calls_by_api": per_api,
        "scopes": len(live["scopes"]),
        "incomplete": len(report.get("incomplete", [])),
        "wall_s_median": round(statistics.median(walls), 3), "wall_s": [round(x, 3) for x in walls],
        "peak_rss_kb_median": int(statistics.median(rss)), "peak_rss_kb": rss,
        "concurrency": a.concurrency,
    }
    print(json.dumps(res, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
