"""Shared helpers for the posture-over-the-emulator tests (issue 7, item 9).

Each test_posture_emulator_*.py builds an estate in moto_server through the AWS API (boto3),
runs `driftmap posture` with the live AWS provider against it (the same collection a scan
makes) and checks, rule by rule, that the rule fires on the resource built to trip it (rule id,
resource id, sub-key, severity, the key evidence) and stays quiet on a sibling built to look
similar but compliant. Uses awsestate.Moto (loopback, free port, stopped by PID).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def require_emulator():
    """Exit 77 (skipped) when boto3 or moto_server is missing; return the awsestate module."""
    try:
        import boto3  # noqa: F401
        import awsestate
    except ImportError as e:
        print("SKIP: boto3 missing (%s)" % e)
        sys.exit(77)
    if not shutil.which("moto_server"):
        print("SKIP: moto_server not installed")
        sys.exit(77)
    return awsestate


def dm_bin():
    return os.environ.get("DM_BIN") or os.path.join(os.environ.get("DM_BUILD_DIR", "."), "driftmap")


def policy(*stmts):
    return json.dumps({"Version": "2012-10-17", "Statement": list(stmts)})


class Report:
    """One `driftmap posture` JSON document, with rule-by-rule assertions."""

    def __init__(self, doc, checker, label=""):
        self.doc = doc
        self.c = checker
        self.label = label
        self.by = {}
        for f in doc.get("findings", []):
            self.by.setdefault((f["rule"], f["resource_id"]), []).append(f)

    def findings(self, rule, rid):
        return self.by.get((rule, rid), [])

    def fires(self, rule, rid, why, sub=None, sev=None, evidence=None):
        """rule fired on rid; sub: substring of sub_key; sev: severity name;
        evidence: callable(finding) -> bool on the finding's evidence/message."""
        fs = [f for f in self.findings(rule, rid) if sub is None or sub in (f.get("sub_key") or "")]
        ok = bool(fs)
        detail = ""
        if ok and sev is not None:
            ok = any(f["severity"] == sev for f in fs)
            detail = " severity %s" % [f["severity"] for f in fs]
        if ok and evidence is not None:
            good = [f for f in fs if (sev is None or f["severity"] == sev) and evidence(f)]
            ok = bool(good)
            if not ok:
                detail = " evidence %s" % json.dumps([f.get("evidence") for f in fs])[:400]
        if not fs:
            detail = " (on it: %s)" % sorted({(f["rule"], f.get("sub_key")) for (r, i), l in self.by.items()
                                             if i == rid for f in l})
        self.c.check(ok, "%s%s fires on %s%s (%s)%s" % (self.label, rule, rid,
                                                         " [%s]" % sub if sub else "", why, detail))
        return fs[0] if fs else None

    def quiet(self, rule, rid, why, sub=None):
        fs = [f for f in self.findings(rule, rid) if sub is None or sub in (f.get("sub_key") or "")]
        self.c.check(not fs, "%s%s does not fire on %s%s (%s)%s" % (
            self.label, rule, rid, " [%s]" % sub if sub else "", why,
            "" if not fs else " got %s" % [(f.get("sub_key"), f["severity"], f["message"]) for f in fs]))

    def not_evaluated(self, rule, reason_part, why):
        ne = [n for n in self.doc.get("not_evaluated", [])
              if n.get("rule") == rule and reason_part in (n.get("reason") or "")]
        self.c.check(bool(ne), "%s%s is reported not_evaluated (%s): %s" % (
            self.label, rule, why, ne or self.doc.get("not_evaluated")))

    def never_not_evaluated(self, rules):
        ne = [n for n in self.doc.get("not_evaluated", []) if n.get("rule") in rules]
        self.c.check(not ne, "%sevaluated, not skipped: %s (%s)" % (self.label, ", ".join(sorted(rules)), ne))


class Checker:
    def __init__(self):
        self.fails = []
        self.count = 0

    def check(self, cond, msg):
        self.count += 1
        if not cond:
            self.fails.append(msg)
        print(("ok   - " if cond else "FAIL - ") + msg, flush=True)

    def finish(self, t0):
        print("%d check(s), %d failure(s), %.1f s" % (self.count, len(self.fails), time.time() - t0))
        for f in self.fails:
            print("FAILED: " + f)
        return 1 if self.fails else 0


def run_posture(moto, est, tmp, checker, config=None, label="", extra=()):
    """Run `driftmap posture` against the emulator; returns a Report (None if it did not run)."""
    out = os.path.join(tmp, "posture-%d.json" % checker.count)
    args = [dm_bin(), "posture", "--region", "us-east-1", "--quiet", "--no-color",
            "--output", "json=" + out]
    if config is not None:
        cfg = os.path.join(tmp, "posture-%d.yaml" % checker.count)
        with open(cfg, "w") as fh:
            fh.write(config)
        args += ["--config", cfg]
    args += list(extra)
    env = dict(os.environ)
    env.update(est.aws_env(moto.url))
    env["HOME"] = tmp
    t = time.time()
    p = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
    # 3 = nothing failed but a scope was incomplete (moto has no DescribeClusterVersions)
    checker.check(p.returncode in (0, 3) and os.path.exists(out),
                  "%sposture ran against the emulator in %.1f s (exit %d%s)" % (
                      label, time.time() - t, p.returncode, (", " + p.stderr[-400:]) if p.returncode not in (0, 3) else ""))
    if not os.path.exists(out):
        return None
    with open(out) as fh:
        doc = json.load(fh)
    checker.check(doc.get("schema") == "driftmap.posture/v1", "%sposture/v1 document" % label)
    rep = Report(doc, checker, label)
    rep.rc = p.returncode
    return rep


def main_wrapper(build, verify, configs=None, moto_env=None):
    """Start moto, build the estate, run posture once per config and verify.
    build(clients, moto) -> ids; verify(reports: dict label->Report, ids, checker)."""
    est = require_emulator()
    t0 = time.time()
    checker = Checker()
    tmp = tempfile.mkdtemp(prefix="dm-posture-emu-")
    try:
        with est.Moto(extra_env=moto_env) as moto:
            moto.reset()
            c = est.clients(moto.url, "us-east-1")
            ids = build(c, moto)
            print("estate built in %.1f s" % (time.time() - t0), flush=True)
            reports = {}
            for label, cfg in (configs or {"": None}).items():
                rep = run_posture(moto, est, tmp, checker, config=cfg, label="[%s] " % label if label else "")
                if rep is None:
                    return checker.finish(t0)
                reports[label] = rep
            verify(reports, ids, checker)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return checker.finish(t0)
