#!/usr/bin/env python3
"""Wall time of a driftmap AWS scan through a 50 ms replay (issue 3, 10(b)) and peak RSS.

1. Builds the emulator (moto) estate of bench/aws_scan_bench.py (>= 2,000 resources
   in 3 regions) and commits the same state (the VPCs with enable_dns_*).
2. Scans once through `tests/tools/faultproxy.py --record DIR` (concurrency 16).
3. Stops moto, serves `faultproxy --replay DIR --delay-ms 50` (every request answered
   from the recording after a fixed 50 ms: a real region's round trip) and runs
   `driftmap scan` N times against it (wall and CPU from wait4; peak RSS from N more
   runs under /usr/bin/time -v).
4. Prints the median wall time, the ideal (requests x 50 ms / concurrency, requests
   counted by the proxy per run), the ratio, the critical path of the scan (the
   longest chain of dependent requests: no client can beat chain x 50 ms), peak RSS,
   and the request count from the report (sources.live[].api_calls); then the same runs
   with no injected delay (the part of the wall time that is not round trips).

Usage: DM_BIN=build/driftmap bench/aws_replay_bench.py [--runs 3] [--concurrency 16] [--reuse DIR]
       [--delay-ms 50] [--vpcs-per-region 8] [--roles 100] [--command scan|inventory]
       [--verbose] [--server asyncio|faultproxy]
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
sys.path.insert(0, HERE)
import awsestate as est  # noqa: E402
import aws_scan_bench as asb  # noqa: E402  (the estate builder)

PROXY = os.path.join(SRC, "tests", "tools", "faultproxy.py")
REPLAY = os.path.join(SRC, "tests", "tools", "replayserver.py")
REGIONS = asb.REGIONS


def run_dm(dm, a, repo, tmp, endpoint, tag, measure_rss=False):
    out = os.path.join(tmp, "%s.json" % tag)
    if a.command == "scan":
        cmd = [dm, "scan", "--state", "git::%s//prod.tfstate?ref=main" % repo, "--format", "json",
               "--output", "json=" + out, "--quiet"]
    else:
        cmd = [dm, "inventory", "--state", "git::%s//prod.tfstate?ref=main" % repo,
               "--output", "json=" + out]
    cmd += ["--concurrency", str(a.concurrency)]
    if a.verbose:
        cmd += ["--verbose"]
    for r in REGIONS:
        cmd += ["--region", r]
    env = dict(os.environ)
    env.update(est.aws_env(endpoint))
    env["HOME"] = tmp
    # Wall: from spawn to reaped child, with nothing in between (an exec'd shim would be
    # counted as driftmap's). Peak RSS needs /usr/bin/time: a child spawned straight from
    # this Python (vfork) inherits the parent's RSS high-water mark into its ru_maxrss,
    # and this parent holds boto3 and the estate. So RSS comes from separate runs.
    errf = tempfile.TemporaryFile(mode="w+")
    outf = tempfile.TemporaryFile()  # the report on stdout, as a CI job's log would take it
    t = time.time()
    proc = subprocess.Popen((["/usr/bin/time", "-v"] if measure_rss else []) + cmd, env=env,
                            stdout=outf, stderr=errf)
    _, status, ru = os.wait4(proc.pid, 0)
    wall = time.time() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    errf.seek(0)
    p = subprocess.CompletedProcess(cmd, proc.returncode, "", errf.read())
    errf.close()
    outf.close()
    cpu = ru.ru_utime + ru.ru_stime
    rss = -1
    if measure_rss:
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
        rss = int(m.group(1)) if m else -1
    if a.verbose:
        for line in p.stderr.splitlines():
            if line.startswith("driftmap: debug: ") and " ms" in line and "request" not in line:
                print("    " + tag + ": " + line[len("driftmap: debug: "):])
    if p.returncode not in (0, 2) or not os.path.exists(out):
        raise RuntimeError("%s failed (exit %d): %s" % (tag, p.returncode, p.stderr[-1500:]))
    with open(out) as f:
        doc = json.load(f)
    if a.command == "scan":
        calls = sum(s.get("api_calls", 0) for s in doc["sources"]["live"])
        incomplete = len(doc.get("incomplete", []))
        nres = None
    else:
        calls = sum(s.get("api_calls", 0) for s in doc.get("scopes", []))
        incomplete = sum(1 for s in doc.get("scopes", []) if not s.get("complete", True))
        nres = len(doc.get("resources", []))
    return {"wall": wall, "cpu": cpu, "load1": os.getloadavg()[0],
            "rss_kb": rss, "calls": calls,
            "incomplete": incomplete, "resources": nres, "rc": p.returncode}


def build_and_record(a, dm, tmp, rec, repo):
    """Builds the estate in moto, commits its state to REPO and records one scan in REC."""
    with est.Moto() as m:
        cs = asb.build_estate(m, a.vpcs_per_region, a.roles)
        w = est.StateWriter()
        for r in REGIONS:
            for v in cs[r]["ec2"].describe_vpcs()["Vpcs"]:
                if v.get("IsDefault"):
                    continue
                # arn and owner_id as Terraform's AWS provider writes them (the arn
                # tells driftmap the VPC's region before any call)
                w.add("aws_vpc", "v", {"id": v["VpcId"], "cidr_block": v["CidrBlock"],
                                       "arn": "arn:aws:ec2:%s:%s:vpc/%s" % (
                                           r, v["OwnerId"], v["VpcId"]),
                                       "owner_id": v["OwnerId"],
                                       "enable_dns_support": True, "enable_dns_hostnames": False,
                                       "tags": est.tagmap(v.get("Tags")),
                                       "tags_all": est.tagmap(v.get("Tags"))},
                      module="module.%s" % r.replace("-", "_"), index_key=v["VpcId"],
                      schema_version=1)
        est.commit_state(repo, "prod.tfstate", w.document())
        proxy = est.FaultProxy(m.url, "--record", rec)
        try:
            recorded = run_dm(dm, a, repo, tmp, proxy.url, "record")
            rst = proxy.stats()
        finally:
            proxy.stop()
    return recorded, rst


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--vpcs-per-region", type=int, default=8)
    ap.add_argument("--roles", type=int, default=100)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--delay-ms", type=int, default=50)
    ap.add_argument("--command", choices=["scan", "inventory"], default="scan")
    ap.add_argument("--verbose", action="store_true", help="print driftmap's phase timings")
    ap.add_argument("--reuse", metavar="DIR",
                    help="keep the estate's state repo and recording in DIR and reuse them when "
                         "DIR already holds them (no moto run: for quick re-measurements)")
    ap.add_argument("--server", choices=["asyncio", "faultproxy"], default="asyncio",
                    help="replay server: tests/tools/replayserver.py (one event loop: every answer "
                         "after exactly the delay) or faultproxy.py --replay (a thread per request)")
    a = ap.parse_args()
    dm = os.environ.get("DM_BIN") or os.path.join(os.environ.get("DM_BUILD_DIR", "build"), "driftmap")
    tmp = a.reuse or tempfile.mkdtemp(prefix="dm-replay-bench-")
    os.makedirs(tmp, exist_ok=True)
    rec = os.path.join(tmp, "rec")
    repo = os.path.join(tmp, "repo")
    saved = os.path.join(tmp, "recorded.json")
    proxy = None
    try:
        if a.reuse and os.path.exists(saved):
            with open(saved) as f:
                recorded, rst = json.load(f)
        else:
            recorded, rst = build_and_record(a, dm, tmp, rec, repo)
            if a.reuse:
                with open(saved, "w") as f:
                    json.dump([recorded, rst], f)
        # moto is stopped here: only the recording answers
        proxy = est.FaultProxy(None, "--replay", rec, "--delay-ms", str(a.delay_ms),
                                      script=REPLAY if a.server == "asyncio" else PROXY)
        runs = []
        for i in range(a.runs):
            proxy.config(reset_stats=True)
            r = run_dm(dm, a, repo, tmp, proxy.url, "replay%d" % i)
            st = proxy.stats()
            r["requests"] = st["requests"]
            r["replay_misses"] = st["replay_misses"]
            r["per_api"] = st["per_api"]
            runs.append(r)
            print("run %d: %.3f s, %d requests (%d misses), %d counted" % (
                i, r["wall"], r["requests"], r["replay_misses"], r["calls"]), file=sys.stderr)
        # the same runs with no injected latency: what is not round trips (process start,
        # state from git, parsing, diff, report; the Python proxy's own time per request)
        proxy.config(delay_ms=0)
        zruns = [run_dm(dm, a, repo, tmp, proxy.url, "zero%d" % i) for i in range(a.runs)]
        # peak RSS (and nothing else) under /usr/bin/time, back at the configured delay
        proxy.config(delay_ms=a.delay_ms)
        rruns = [run_dm(dm, a, repo, tmp, proxy.url, "rss%d" % i, measure_rss=True)
                 for i in range(a.runs)]
        zero = [r["wall"] for r in zruns]
    finally:
        if proxy:
            proxy.stop()
        if not a.reuse:
            shutil.rmtree(tmp, ignore_errors=True)
    walls = [r["wall"] for r in runs]
    med = statistics.median(walls)
    reqs = statistics.median([r["requests"] for r in runs])
    ideal = reqs * a.delay_ms / 1000.0 / a.concurrency
    per_api = runs[-1]["per_api"]
    # the dependency chain: (per region) DescribeVpcs -> DescribeVpcAttribute for state VPCs
    # whose region the state does not record (this state has arns: no chain); EKS
    # ListClusters -> DescribeCluster / ListNodegroups -> DescribeNodegroup; IAM pages.
    # sts:GetCallerIdentity runs alongside the rest (one account).
    eks_chain = 1 + (1 if per_api.get("eks:DescribeCluster") else 0) + \
        (2 if per_api.get("eks:DescribeNodegroup") else (1 if per_api.get("eks:ListNodegroups") else 0))
    chain = max(1, eks_chain, per_api.get("iam:GetAccountAuthorizationDetails", 0))
    res = {
        "command": a.command, "regions": REGIONS, "concurrency": a.concurrency, "delay_ms": a.delay_ms,
        "replay_server": a.server,
        "recorded": {"wall_s": round(recorded["wall"], 3), "requests": rst["requests"],
                     "counted": recorded["calls"], "incomplete": recorded["incomplete"]},
        "replay_requests": reqs, "replay_counted_api_calls": runs[-1]["calls"],
        "replay_misses": sum(r["replay_misses"] for r in runs),
        "incomplete_scopes": runs[-1]["incomplete"],
        "per_api": per_api,
        "wall_s": [round(x, 3) for x in walls], "wall_s_median": round(med, 3),
        "ideal_s": round(ideal, 3), "ratio": round(med / ideal, 2),
        "zero_delay_wall_s": [round(x, 3) for x in zero],
        "zero_delay_wall_s_median": round(statistics.median(zero), 3),
        "critical_path_requests": chain, "critical_path_s": round(chain * a.delay_ms / 1000.0, 3),
        "cpu_s": [round(r["cpu"], 3) for r in runs],
        "cpu_s_median": round(statistics.median([r["cpu"] for r in runs]), 3),
        "zero_delay_cpu_s_median": round(statistics.median([r["cpu"] for r in zruns]), 3),
        "load1": [round(r["load1"], 2) for r in runs + zruns],
        "peak_rss_kb": [r["rss_kb"] for r in rruns],
        "peak_rss_kb_median": int(statistics.median([r["rss_kb"] for r in rruns])),
    }
    if runs[-1]["resources"] is not None:
        res["live_resources"] = runs[-1]["resources"]
    print(json.dumps(res, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
