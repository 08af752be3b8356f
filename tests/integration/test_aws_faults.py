#!/usr/bin/env python3
"""driftmap scan through tests/tools/faultproxy.py in front of the emulator (issue 3, item 6).

The estate of test_aws_estate.py (every type, two regions) is built in moto, its
Terraform state committed to git, and every scan goes through the fault proxy
(AWS_ENDPOINT_URL = the proxy):

 1. only the failing scope would drift (spare subnet deleted, ec2:DescribeSubnets
    failing permanently): exit 3, the subnet scopes in incomplete[], no "missing";
 2. out-of-band changes (in both regions and in IAM), fault-free scan: the baseline;
 3. ~20% of requests throttled (each service's real format) or failed (503 HTML,
    and in a second run connection resets): findings identical to the baseline,
    summary.complete, more API calls counted than the baseline (retries);
 4. ec2:DescribeSubnets failing permanently (throttled), then
    iam:GetAccountAuthorizationDetails failing permanently (throttled), then an
    EC2 list call denied (403): each scope listed in incomplete[] with its types and
    a one-line error naming the AWS error code, no finding of those types in that
    scope, every other baseline finding still present, exit 2.
Exit 77 (skipped) only when moto_server / boto3 are missing.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

try:
    import boto3  # noqa: F401
    import awsestate as est
except ImportError as e:
    print("SKIP: boto3 missing (%s)" % e)
    sys.exit(77)
if not shutil.which("moto_server"):
    print("SKIP: moto_server not installed")
    sys.exit(77)
import test_aws_estate as tae  # noqa: E402  (findings(), show(), REGIONS)

SRC = os.environ.get("DM_SOURCE_DIR", os.path.abspath(os.path.join(HERE, "..", "..")))
PROXY = os.path.join(SRC, "tests", "tools", "faultproxy.py")
DM_BIN = os.environ.get("DM_BIN") or os.path.join(os.environ.get("DM_BUILD_DIR", "."), "driftmap")
REGIONS = tae.REGIONS
FAILS = []
SCAN_TIMEOUT = 240


def check(cond, msg):
    print(("ok   - " if cond else "FAIL - ") + msg)
    if not cond:
        FAILS.append(msg)


Proxy = est.FaultProxy


def scan(endpoint, repo, tmp, tag, concurrency=8):
    out = os.path.join(tmp, "report-%s.json" % tag)
    cmd = [DM_BIN, "scan", "--state", "git::%s//envs/prod.tfstate?ref=main" % repo]
    for r in REGIONS:
        cmd += ["--region", r]
    cmd += ["--concurrency", str(concurrency), "--format", "json", "--output", "json=" + out,
            "--no-color", "--quiet"]
    env = dict(os.environ)
    env.update(est.aws_env(endpoint))
    env["HOME"] = tmp
    env["XDG_CACHE_HOME"] = os.path.join(tmp, "cache")
    t = time.time()
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=SCAN_TIMEOUT)
    secs = time.time() - t
    report = None
    if os.path.exists(out):
        with open(out) as f:
            report = json.load(f)
        os.unlink(out)
    calls = sum(s.get("api_calls", 0) for s in report["sources"]["live"]) if report else 0
    print("scan %-16s exit %d, %5.1f s, %3d API calls, %d findings, %d incomplete"
          % (tag, p.returncode, secs, calls, len(report["drift"]) if report else -1,
             len(report["incomplete"]) if report else -1))
    return p.returncode, report, p.stderr, calls


def incomplete_by_scope(report):
    """{(account, region, scope): entry}"""
    return {(i["account"], i["region"], i["scope"]): i for i in report.get("incomplete", [])}


def region_of(report, d):
    return d.get("region")


def check_failed_scope(tag, rc, rep, err, base, scope, regions, code, want_types):
    """A permanently failing scope: listed in incomplete[] for every region in `regions`, with
    want_types among its types and a one-line error naming `code`; no finding of its types in
    those regions; every other baseline finding still there, nothing else; exit 2."""
    check(rep is not None, "%s: report written (%s)" % (tag, err[-600:]))
    if rep is None:
        return
    inc = incomplete_by_scope(rep)
    covered = set()
    for region in regions:
        e = inc.get((est.ACCOUNT, region, scope))
        check(e is not None, "%s: %s/%s listed in incomplete[] (%s)" % (tag, region, scope,
                                                                        sorted(inc)))
        if e is None:
            continue
        check(set(want_types) <= set(e["types"]), "%s: %s types %s include %s"
              % (tag, scope, e["types"], want_types))
        msg = e.get("error") or ""
        check(code in msg and "\n" not in msg and scope.split(":")[1] in msg,
              "%s: one-line error naming %s and the API: %r" % (tag, code, msg))
        check(e["provider"] == "aws", "%s: incomplete entry names the provider" % tag)
        covered |= {(region, t) for t in e["types"]}
    others = {k for k in inc if k[2] != scope}
    check(not others, "%s: no other scope incomplete (%s)" % (tag, sorted(others)))
    check(rep["summary"]["complete"] is False, "%s: summary.complete is false" % tag)
    live_bad = [s for s in rep["sources"]["live"] if not s.get("complete", True)]
    check(len(live_bad) >= 1, "%s: a live source is marked incomplete" % tag)

    got = {}
    for d in rep["drift"]:
        key = (d["kind"], d["type"], d["resource_id"])
        got.setdefault(key, set()).update(c["path"] for c in d.get("changes", []))
    bad = [(d["kind"], d["type"], d["region"], d["resource_id"]) for d in rep["drift"]
           if (region_of(rep, d), d["type"]) in covered]
    check(not bad, "%s: no finding of the failed scope's types in its regions (%s)" % (tag, bad))
    got = {k: sorted(v) for k, v in got.items()}
    want = {k: v for k, (v, reg) in base.items() if (reg, k[1]) not in covered}
    dropped = sorted(k for k in base if k not in want)
    check(got == want, "%s: the other %d baseline findings exactly (dropped %s; got-want %s; "
          "want-got %s)" % (tag, len(want), dropped, sorted(set(got) - set(want)),
                            sorted(set(want) - set(got))))
    check(dropped, "%s: the failing scope did hide some baseline findings" % tag)
    check(rc == 2, "%s: exit %d, want 2 (other drift exists)" % (tag, rc))


def with_regions(report):
    """{(kind, type, resource_id): (sorted change paths, region)}"""
    out = {}
    for k, paths in tae.findings(report).items():
        regs = {d.get("region") for d in report["drift"]
                if (d["kind"], d["type"], d["resource_id"]) == k}
        out[k] = (paths, regs.pop() if len(regs) == 1 else None)
    return out


def unique_sgrule_ids(doc):
    """awsestate.write_state numbers aws_security_group_rule ids sgrule-1000001.. in every
    region, so the two regions' rules share ids, and the diff then loses the second region's
    rules (false "changed" on its SG; reported to the lead). Terraform's ids are content
    hashes, unique per rule: give each rule such an id (crc32 of its AWS rule id)."""
    for res in doc["resources"]:
        if res["type"] == "aws_security_group_rule":
            for inst in res["instances"]:
                a = inst["attributes"]
                a["id"] = "sgrule-%d" % zlib.crc32(a["security_group_rule_id"].encode())
    return doc


def main():
    tmp = tempfile.mkdtemp(prefix="dm-aws-faults-")
    repo = os.path.join(tmp, "repo")
    proxy = None
    try:
        with est.Moto() as moto:
            moto.reset(seed=7)
            cs = {r: est.clients(moto.url, r) for r in REGIONS}
            iam = est.build_iam(cs[REGIONS[0]])
            ests = {}
            for i, r in enumerate(REGIONS):
                ests[r] = est.build_region(cs[r], r, iam, cidr2="10.%d" % (i * 2),
                                           eks_name="prod-eks-%s" % r)
            doc = unique_sgrule_ids(est.write_state(cs, iam, ests).document())
            est.commit_state(repo, "envs/prod.tfstate", doc)
            proxy = Proxy(moto.url, "--seed", "1")

            # ---- 0. through the (idle) proxy, the estate is in sync
            rc, rep, err, calls0 = scan(proxy.url, repo, tmp, "clean")
            check(rep is not None and rc == 0 and rep["drift"] == [] and rep["incomplete"] == [],
                  "clean scan through the proxy: exit %d, no drift, complete (%s)" % (rc, err[-600:]))
            if rep is None:
                return 1

            # ---- 1. the only drift would come from the failing scope -> exit 3
            o = ests["us-east-1"]
            spare = o["extra_subnets"][0]
            cs["us-east-1"]["ec2"].delete_subnet(SubnetId=spare)
            proxy.config(fail_api=["ec2:DescribeSubnets"], fail_api_kind="throttle")
            rc, rep, err, _ = scan(proxy.url, repo, tmp, "only-subnets")
            check(rep is not None, "only-subnets: report written (%s)" % err[-600:])
            if rep is not None:
                check(rc == 3, "only-subnets: exit %d, want 3 (no drift, incomplete)" % rc)
                check(not [d for d in rep["drift"] if d["resource_id"] == spare],
                      "only-subnets: no finding for the deleted subnet %s" % spare)
                check(rep["drift"] == [], "only-subnets: no drift at all (%s)"
                      % [(d["kind"], d["type"], d["resource_id"]) for d in rep["drift"]])
                inc = incomplete_by_scope(rep)
                check({(est.ACCOUNT, r, "ec2:DescribeSubnets") for r in REGIONS} == set(inc),
                      "only-subnets: exactly the two DescribeSubnets scopes incomplete (%s)" % sorted(inc))
                check(rep["summary"]["complete"] is False, "only-subnets: summary.complete false")
            proxy.config(fail_api=[])
            rc, rep, err, _ = scan(proxy.url, repo, tmp, "subnet-gone")
            check(rep is not None and rc == 2 and
                  set(tae.findings(rep)) == {("missing", "aws_subnet", spare)},
                  "without the fault the deleted subnet is the one finding (exit %d, %s)"
                  % (rc, sorted(tae.findings(rep)) if rep else err[-400:]))

            # ---- 2. out-of-band changes in both regions and IAM; fault-free baseline
            ec2 = cs["us-east-1"]["ec2"]
            ec2.authorize_security_group_ingress(GroupId=o["sg_web"], IpPermissions=[
                {"IpProtocol": "tcp", "FromPort": 9000, "ToPort": 9000,
                 "IpRanges": [{"CidrIp": "10.9.0.0/16"}]}])
            manual_sg = ec2.create_security_group(GroupName="hand-made", Description="console",
                                                  VpcId=o["vpc"])["GroupId"]
            o2 = ests["eu-west-1"]
            ec2b = cs["eu-west-1"]["ec2"]
            ec2b.create_tags(Resources=[o2["vpc"]], Tags=[{"Key": "Env", "Value": "staging"}])
            ec2b.create_tags(Resources=[o2["subnets"][0]], Tags=[{"Key": "Name", "Value": "renamed"}])
            manual_sn = ec2b.create_subnet(VpcId=o2["vpc"], CidrBlock="10.2.77.0/24",
                                           AvailabilityZone="eu-west-1a")["Subnet"]["SubnetId"]
            iamc = cs["us-east-1"]["iam"]
            inline = dict(est.INLINE_S3)
            inline["Statement"] = [dict(inline["Statement"][0], Action=["s3:GetObject", "s3:PutObject"])]
            iamc.put_role_policy(RoleName="app-node", PolicyName="s3-read",
                                 PolicyDocument=json.dumps(inline))
            iamc.attach_role_policy(RoleName="app-eks", PolicyArn=iam["policy_logs"])
            iamc.create_role(RoleName="hand-made-role",
                             AssumeRolePolicyDocument=json.dumps(est.TRUST_EC2))
            want = {
                ("missing", "aws_subnet", spare),
                ("changed", "aws_security_group", o["sg_web"]),
                ("unmanaged", "aws_security_group", manual_sg),
                ("changed", "aws_vpc", o2["vpc"]),
                ("changed", "aws_subnet", o2["subnets"][0]),
                ("unmanaged", "aws_subnet", manual_sn),
                ("changed", "aws_iam_role_policy", "app-node:s3-read"),
                ("changed", "aws_iam_role", "app-eks"),
                ("unmanaged", "aws_iam_role", "hand-made-role"),
            }
            rc, rep, err, calls_base = scan(proxy.url, repo, tmp, "baseline")
            check(rep is not None, "baseline: report written (%s)" % err[-600:])
            if rep is None:
                return 1
            base = with_regions(rep)
            check(rc == 2, "baseline: exit %d, want 2" % rc)
            check(set(base) == want, "baseline: exactly the out-of-band changes (extra %s, lacking %s)"
                  % (sorted(set(base) - want), sorted(want - set(base))))
            check(rep["summary"]["complete"] is True and rep["incomplete"] == [],
                  "baseline: complete")
            check(all(reg for _, reg in base.values()), "baseline: every finding has one region")
            if set(base) != want:
                tae.show(rep)

            # ---- 3. ~20% faults: identical findings, complete, retries counted
            for tag, seed, kind in (("faults-503", 11, "503html"), ("faults-reset", 12, "reset")):
                # the proxy draws from one seeded stream: restart it for a reproducible run
                proxy.stop()
                proxy = Proxy(moto.url, "--seed", str(seed), "--throttle-rate", "0.1",
                              "--fail-rate", "0.1", "--fail-kind", kind)
                rc, rep, err, calls = scan(proxy.url, repo, tmp, tag)
                st = proxy.stats()
                print("     proxy: %d requests, %d throttled, %d failed"
                      % (st["requests"], st["throttled"], st["failed"]))
                check(st["throttled"] > 0 and st["failed"] > 0 and
                      (st["throttled"] + st["failed"]) >= 0.1 * st["requests"],
                      "%s: the proxy throttled and failed requests (%d+%d of %d)"
                      % (tag, st["throttled"], st["failed"], st["requests"]))
                throttled_svcs = {a.split(":")[0] for a in st["per_api"]}
                check({"ec2", "iam", "eks"} <= throttled_svcs,
                      "%s: requests of ec2, iam and eks went through the proxy (%s)"
                      % (tag, sorted(throttled_svcs)))
                check(rep is not None, "%s: report written (%s)" % (tag, err[-600:]))
                if rep is None:
                    continue
                got = with_regions(rep)
                check(got == base, "%s: findings identical to the baseline (extra %s, lacking %s, "
                      "paths differ %s)" % (tag, sorted(set(got) - set(base)), sorted(set(base) - set(got)),
                                            sorted(k for k in got if k in base and got[k] != base[k])))
                check(rc == 2, "%s: exit %d, want 2" % (tag, rc))
                check(rep["summary"]["complete"] is True and rep["incomplete"] == [],
                      "%s: summary.complete, nothing incomplete (%s)" % (tag, rep["incomplete"]))
                check(calls > calls_base, "%s: %d API calls counted > %d of the baseline (retries)"
                      % (tag, calls, calls_base))
                # every attempt the proxy answered is counted; the account lookup
                # (sts:GetCallerIdentity) is not a scan scope; a reset connection got no answer
                sts = sum(v for k, v in st["per_api"].items() if k.startswith("sts:"))
                answered = st["requests"] - sts - (st["failed"] if kind == "reset" else 0)
                check(calls >= answered and calls <= st["requests"] - sts,
                      "%s: the report counts every answered attempt (%d counted; proxy: %d requests, "
                      "%d sts, %d %s)" % (tag, calls, st["requests"], sts, st["failed"], kind))
            proxy.stop()
            proxy = Proxy(moto.url, "--seed", "1")

            # ---- 4. one API failing permanently
            cases = [
                ("fail-subnets", "ec2:DescribeSubnets", "throttle", REGIONS, "RequestLimitExceeded",
                 ["aws_subnet"]),
                ("fail-iam", "iam:GetAccountAuthorizationDetails", "throttle", ["global"], "Throttling",
                 ["aws_iam_role", "aws_iam_policy", "aws_iam_role_policy"]),
                ("deny-sgs", "ec2:DescribeSecurityGroups", "denied", REGIONS, "UnauthorizedOperation",
                 ["aws_security_group"]),
            ]
            for tag, api, kind, regions, code, types in cases:
                proxy.config(fail_api=[api], fail_api_kind=kind, throttle_rate=0, fail_rate=0)
                rc, rep, err, _ = scan(proxy.url, repo, tmp, tag)
                check_failed_scope(tag, rc, rep, err, base, api, regions, code, types)
                if rep is not None and FAILS:
                    tae.show(rep)
            proxy.config(fail_api=[])
    finally:
        if proxy:
            proxy.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    if FAILS:
        print("%d failure(s)" % len(FAILS))
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
