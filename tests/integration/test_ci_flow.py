#!/usr/bin/env python3
"""The CI flow of docs/ci.md end to end, offline: `driftmap scan --live FILE`
against a small v4 state with inventories written here
(driftmap.inventory/v1), then

* --fail-on: exit 2 when a finding at/above the severity exists, 0 when only
  lower ones do (3 when the scan was also incomplete), 2 for any drift
  without the flag, 1 for an unknown severity;
* `driftmap ignore --from report.json` (with --kind/--type selections):
  entries appended, a re-scan counts those findings as ignored and exits 0,
  a second `ignore` run adds nothing;
* an expired entry: warning on stderr naming the file and line, the finding
  counted as drift again;
* bad reports: exit 1 with a one-line error, ignore file untouched.
"""
import json
import os
import subprocess
import sys
import tempfile

SRC = os.environ.get("DM_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
DM = os.environ.get("DM_BIN", os.path.join(SRC, "build", "driftmap"))
ACCOUNT = "123456789012"
REGION = "us-east-1"
EC2_TYPES = ["aws_vpc", "aws_subnet", "aws_security_group", "aws_eip"]
IAM_TYPES = ["aws_iam_role", "aws_iam_policy"]


def run(*args, ok=(0,), cwd=None):
    p = subprocess.run([DM, *args], capture_output=True, text=True, timeout=120, cwd=cwd)
    if p.returncode not in ok:
        sys.exit(f"FAIL: driftmap {' '.join(args)} -> {p.returncode} (want {ok})\n"
                 f"stdout: {p.stdout[-2000:]}\nstderr: {p.stderr[-2000:]}")
    return p


def check(cond, msg):
    if not cond:
        sys.exit("FAIL: " + msg)


def sg_rule(port, cidrs):
    return {"cidr_blocks": cidrs, "description": "", "from_port": port, "ipv6_cidr_blocks": [],
            "prefix_list_ids": [], "protocol": "tcp", "security_groups": [], "self": False,
            "to_port": port}


EGRESS = [{"cidr_blocks": ["0.0.0.0/0"], "description": "", "from_port": 0, "ipv6_cidr_blocks": [],
           "prefix_list_ids": [], "protocol": "-1", "security_groups": [], "self": False, "to_port": 0}]

VPC_STATE = {"id": "vpc-1", "cidr_block": "10.0.0.0/16", "tags": {"Name": "main"},
             "tags_all": {"Name": "main"}}
SG_STATE = {"id": "sg-1", "name": "web", "description": "web", "vpc_id": "vpc-1",
            "ingress": [sg_rule(443, ["10.0.0.0/8"])], "egress": EGRESS,
            "tags": {"Name": "web"}, "tags_all": {"Name": "web"}}


def state_doc():
    def res(rtype, name, attrs):
        return {"mode": "managed", "type": rtype, "name": name,
                "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
                "instances": [{"schema_version": 1, "attributes": attrs, "sensitive_attributes": []}]}
    return {"version": 4, "terraform_version": "1.9.0", "serial": 3, "lineage": "ci-flow",
            "outputs": {}, "resources": [res("aws_vpc", "main", VPC_STATE),
                                          res("aws_security_group", "web", SG_STATE)],
            "check_results": None}


def resource(rtype, rid, attrs, region=REGION):
    return {"provider": "aws", "type": rtype, "id": rid, "account": ACCOUNT, "region": region,
            "attributes": dict(attrs, id=rid)}


def inventory(resources, iam_complete=True):
    scopes = [
        {"provider": "aws", "account": ACCOUNT, "region": REGION, "api": "ec2:Describe*",
         "types": EC2_TYPES, "complete": True, "error": None, "api_calls": 4},
        {"provider": "aws", "account": ACCOUNT, "region": "global",
         "api": "iam:GetAccountAuthorizationDetails", "types": IAM_TYPES,
         "complete": iam_complete, "error": None if iam_complete else "AccessDenied", "api_calls": 1},
    ]
    return {"schema": "driftmap.inventory/v1", "tool": {"name": "driftmap", "version": "test"},
            "collected_at": "2026-11-23T10:00:00Z", "scopes": scopes, "sources": [],
            "resources": resources}


def base_live(tag_name):
    vpc = dict(VPC_STATE, tags={"Name": tag_name})
    vpc.pop("tags_all")
    sg = dict(SG_STATE)
    sg.pop("tags_all")
    return [resource("aws_vpc", "vpc-1", vpc), resource("aws_security_group", "sg-1", sg)]


def write_json(path, doc):
    with open(path, "w") as f:
        json.dump(doc, f)


def scan(tmp, live, *extra, ok=(0, 2, 3), report=None, quiet=True):
    report = report or os.path.join(tmp, "scan.json")
    p = run("scan", "--state", os.path.join(tmp, "main.tfstate"), "--live", live,
            *(["--quiet"] if quiet else []), "--no-color", "--output", "json=" + report, *extra,
            ok=ok, cwd=tmp)
    with open(report) as f:
        return p, json.load(f)


def drift_ids(rep):
    return sorted((f["kind"], f["type"], f["resource_id"]) for f in rep["drift"])


def main():
    probe = subprocess.run([DM, "ignore", "--help"], capture_output=True, text=True)
    if probe.returncode != 0:
        print("skipped: this driftmap has no `ignore` command")
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        write_json(os.path.join(tmp, "main.tfstate"), state_doc())

        # Live with a high finding (an unmanaged SG open to the internet), a medium one
        # (an unmanaged role whose name has dots) and low ones (tag change, EIP).
        open_sg = {"name": "debug", "description": "debug", "vpc_id": "vpc-1",
                   "ingress": [sg_rule(22, ["0.0.0.0/0"])], "egress": EGRESS, "tags": {}}
        role = {"name": "ci.deploy.bot", "path": "/", "assume_role_policy":
                json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action":
                            "sts:AssumeRole", "Principal": {"Service": "ec2.amazonaws.com"}}]}),
                "managed_policy_arns": [], "inline_policy": [], "tags": {}}
        eip = {"domain": "vpc", "public_ip": "203.0.113.7", "tags": {}}
        live_high = os.path.join(tmp, "live-high.json")
        write_json(live_high, inventory(base_live("main-renamed") + [
            resource("aws_security_group", "sg-open", open_sg),
            resource("aws_iam_role", "ci.deploy.bot", role, region="global"),
            resource("aws_eip", "eipalloc-1", eip)]))
        live_low = os.path.join(tmp, "live-low.json")
        write_json(live_low, inventory(base_live("main-renamed") + [resource("aws_eip", "eipalloc-1", eip)]))
        live_low_incomplete = os.path.join(tmp, "live-low-incomplete.json")
        write_json(live_low_incomplete, inventory(base_live("main-renamed"), iam_complete=False))
        live_clean = os.path.join(tmp, "live-clean.json")
        write_json(live_clean, inventory(base_live("main")))

        # ---- the inputs are what the test assumes --------------------------------------
        _, rep = scan(tmp, live_high, ok=(2,))
        sev = {(f["type"], f["resource_id"]): f["severity"] for f in rep["drift"]}
        check(drift_ids(rep) == [("changed", "aws_vpc", "vpc-1"),
                                 ("unmanaged", "aws_eip", "eipalloc-1"),
                                 ("unmanaged", "aws_iam_role", "ci.deploy.bot"),
                                 ("unmanaged", "aws_security_group", "sg-open")],
              f"high live: unexpected findings {drift_ids(rep)}")
        check(sev[("aws_security_group", "sg-open")] == "high", f"open SG severity: {sev}")
        check(sev[("aws_vpc", "vpc-1")] == "low" and sev[("aws_eip", "eipalloc-1")] == "low",
              f"low severities: {sev}")
        check(sev[("aws_iam_role", "ci.deploy.bot")] == "medium", f"role severity: {sev}")
        _, rep = scan(tmp, live_clean, ok=(0,))
        check(rep["drift"] == [] and rep["summary"]["in_sync"] == 2, "clean live is in sync")

        # ---- --fail-on ------------------------------------------------------------------
        scan(tmp, live_high, "--fail-on", "high", ok=(2,))
        scan(tmp, live_high, "--fail-on", "critical", ok=(0,))
        scan(tmp, live_high, "--fail-on", "MEDIUM", ok=(2,))
        _, rep = scan(tmp, live_low, "--fail-on", "high", ok=(0,))
        check(len(rep["drift"]) == 2, "findings below --fail-on are still reported")
        scan(tmp, live_low, "--fail-on", "low", ok=(2,))
        scan(tmp, live_low, ok=(2,))  # without --fail-on any drift is 2, as before
        _, rep = scan(tmp, live_low_incomplete, "--fail-on", "high", ok=(3,))
        check(rep["summary"]["complete"] is False, "incomplete scan reported")
        scan(tmp, live_low_incomplete, ok=(2,))
        p = run("scan", "--state", os.path.join(tmp, "main.tfstate"), "--live", live_low,
                "--fail-on", "severe", ok=(1,), cwd=tmp)
        check(len(p.stderr.strip().splitlines()) == 1 and "severe" in p.stderr,
              f"bad --fail-on: one-line error, got {p.stderr!r}")
        help_text = run("scan", "--help").stdout
        check("--fail-on" in help_text, "scan --help documents --fail-on")

        # ---- ignore workflow: everything ------------------------------------------------
        report = os.path.join(tmp, "drift.json")
        _, rep = scan(tmp, live_high, ok=(2,), report=report)
        ign = os.path.join(tmp, "all.driftignore")
        p = run("ignore", "--from", report, "--ignore", ign, "--reason", "accepted in OPS-9")
        check("added 4 entries" in p.stdout, f"ignore summary: {p.stdout!r}")
        text = open(ign).read()
        check("aws_iam_role.ci\\.deploy\\.bot\n" in text, f"escaped dots in the entry:\n{text}")
        check(text.count("# added by driftmap ignore on ") == 4, f"one comment per entry:\n{text}")
        check("owner: TODO; reason: accepted in OPS-9" in text, "reason in the comment")
        check("changed aws_vpc.main;" in text, "the comment names the state address")
        _, rep2 = scan(tmp, live_high, "--ignore", ign, ok=(0,))
        s = rep2["summary"]
        check(s["ignored"] == 4 and s["unmanaged"] == 0 and s["changed"] == 0 and rep2["drift"] == [],
              f"after ignore: summary {s}")
        check(sorted((f["type"], f["resource_id"]) for f in rep2["ignored"]) ==
              sorted((t, i) for _, t, i in drift_ids(rep)), "ignored[] lists the findings")
        p = run("ignore", "--from", report, "--ignore", ign)
        check("added 0 entries (4 findings already ignored)" in p.stdout, f"second run: {p.stdout!r}")
        check(open(ign).read() == text, "second run leaves the file unchanged")

        # ---- ignore workflow: default ./.driftignore, --kind and --type ---------------
        run("ignore", "--from", report, "--kind", "unmanaged", "--type", "aws_security_group",
            "--type", "aws_iam_*", cwd=tmp)
        dflt = open(os.path.join(tmp, ".driftignore")).read()
        check("aws_security_group.sg-open\n" in dflt and "aws_iam_role.ci\\.deploy\\.bot\n" in dflt
              and "aws_eip" not in dflt and "aws_vpc" not in dflt, f"selection:\n{dflt}")
        # a scan in that directory picks ./.driftignore up: the high one is gone
        _, rep3 = scan(tmp, live_high, "--fail-on", "high", ok=(0,))
        check(rep3["summary"]["ignored"] == 2, f"two ignored: {rep3['summary']}")
        check(drift_ids(rep3) == [("changed", "aws_vpc", "vpc-1"), ("unmanaged", "aws_eip", "eipalloc-1")],
              f"left: {drift_ids(rep3)}")
        scan(tmp, live_high, ok=(2,))
        os.unlink(os.path.join(tmp, ".driftignore"))

        # ---- --expires, and an expired entry ---------------------------------------------
        ign_exp = os.path.join(tmp, "exp.driftignore")
        run("ignore", "--from", report, "--ignore", ign_exp, "--type", "aws_security_group",
            "--expires", "2099-12-31")
        check("aws_security_group.sg-open   # expires: 2099-12-31\n" in open(ign_exp).read(),
              "expiry written in docs/ignore.md syntax")
        p, rep4 = scan(tmp, live_high, "--ignore", ign_exp, "--fail-on", "high", ok=(0,))
        check(rep4["summary"]["ignored"] == 1 and "expired" not in p.stderr, "future expiry applies")
        with open(ign_exp, "w") as f:
            f.write("# temporary\naws_security_group.sg-open   # expires: 2020-01-31 (OPS-1)\n")
        p, rep5 = scan(tmp, live_high, "--ignore", ign_exp, "--fail-on", "high", ok=(2,), quiet=False)
        check(f"{ign_exp}:2: ignore rule \"aws_security_group.sg-open\" expired" in p.stderr,
              f"expiry warning on stderr: {p.stderr!r}")
        check(rep5["summary"]["ignored"] == 0 and rep5["summary"]["unmanaged"] == 3 and
              ("unmanaged", "aws_security_group", "sg-open") in drift_ids(rep5),
              f"expired entry: finding counted again {rep5['summary']}")
        # ... and `ignore` re-adds it, this time without expiry
        p = run("ignore", "--from", report, "--ignore", ign_exp, "--type", "aws_security_group")
        check("added 1 entry" in p.stdout and "expired" in p.stderr, f"re-add: {p.stdout!r} {p.stderr!r}")
        scan(tmp, live_high, "--ignore", ign_exp, "--fail-on", "high", ok=(0,))
        p = run("ignore", "--from", report, "--ignore", ign_exp, "--expires", "2020-01-01", ok=(1,))
        check("in the past" in p.stderr, f"past --expires: {p.stderr!r}")

        # ---- bad input: one-line error, exit 1, file untouched --------------------------
        before = open(ign).read()
        bad = os.path.join(tmp, "bad.json")
        cases = [("not json", "not a JSON report"),
                 (json.dumps({"schema": "driftmap.posture/v1", "findings": []}), "unsupported report schema"),
                 (json.dumps({"drift": []}), "not a driftmap report")]
        for text_in, msg in cases:
            with open(bad, "w") as f:
                f.write(text_in)
            p = run("ignore", "--from", bad, "--ignore", ign, ok=(1,))
            lines = p.stderr.strip().splitlines()
            check(len(lines) == 1 and msg in lines[0] and bad in lines[0], f"bad report {msg}: {p.stderr!r}")
        p = run("ignore", "--from", os.path.join(tmp, "main.tfstate"), "--ignore", ign, ok=(1,))
        check(len(p.stderr.strip().splitlines()) == 1, f"state file as report: {p.stderr!r}")
        p = run("ignore", "--from", report, "--ignore", ign, "--kind", "drifted", ok=(1,))
        check("drifted" in p.stderr, "unknown --kind")
        p = run("ignore", "--ignore", ign, ok=(1,))
        check("--from" in p.stderr, "--from is required")
        check(open(ign).read() == before, "errors leave the ignore file alone")
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
