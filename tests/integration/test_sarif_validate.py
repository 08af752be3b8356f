#!/usr/bin/env python3
"""SARIF output against the real validator: the SARIF Multitool from npm
(@microsoft/sarif-multitool, `validate`). Validates the SARIF reports the
unit test test_report renders and keeps byte-equal to the renderer's output
(fixtures/golden/reports/*.sarif: a drift set with source locations, the
empty report, unicode and special characters).

The multitool is installed into a cache dir ($DM_NODE_CACHE, default
$DM_BUILD_DIR/node) when missing; exit 77 when npm is absent. The test fails
on any error-level result and on warnings other than SARIF2005 for
'informationUri' (driftmap has no public home page to point at yet).
"""
import glob
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile

SRC = os.environ.get("DM_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("DM_BUILD_DIR", os.path.join(SRC, "build"))
CACHE = os.environ.get("DM_NODE_CACHE", os.path.join(BUILD, "node"))
ALLOWED_WARNINGS = {("SARIF2005", "ProvideToolnformationUri")}


def ensure_multitool():
    bin_js = os.path.join(CACHE, "node_modules", ".bin", "sarif-multitool")
    if not os.path.exists(bin_js):
        os.makedirs(CACHE, exist_ok=True)
        r = subprocess.run(["npm", "install", "--prefix", CACHE, "--no-audit", "--no-fund",
                            "@microsoft/sarif-multitool"], capture_output=True, text=True, timeout=900)
        if r.returncode != 0:
            print(r.stdout + r.stderr, file=sys.stderr)
            return None
    # npm may hold back the package's postinstall (chmod u+x): do it ourselves
    for exe in glob.glob(os.path.join(CACHE, "node_modules", "@microsoft", "sarif-multitool-*", "Sarif.Multitool")):
        st = os.stat(exe)
        if not st.st_mode & stat.S_IXUSR:
            os.chmod(exe, st.st_mode | stat.S_IXUSR)
    return bin_js if os.path.exists(bin_js) else None


def problems(tool, f, tmp):
    """Error-level results and warnings not allowed, as a list (a validator
    failure is a problem too)."""
    log = os.path.join(tmp, os.path.basename(f) + ".validation.sarif")
    if os.path.exists(log):
        os.unlink(log)
    r = subprocess.run([tool, "validate", "--output", log, f], capture_output=True, text=True,
                       timeout=600, env=dict(os.environ, DOTNET_CLI_TELEMETRY_OPTOUT="1"))
    if not os.path.exists(log):
        return [{"ruleId": "no-log", "message": {"text": "rc %d: %s %s" % (
            r.returncode, r.stdout[-2000:], r.stderr[-2000:])}}]
    with open(log) as fh:
        out = json.load(fh)
    bad = []
    for run in out.get("runs", []):
        for res in run.get("results", []):
            level = res.get("level", "warning")
            text = json.dumps(res.get("message", {}))
            if level == "error":
                bad.append(res)
            elif level == "warning" and not any(rule == res.get("ruleId") and word in text
                                                for rule, word in ALLOWED_WARNINGS):
                bad.append(res)
        # the tool reports its own failures as notifications
        for inv in run.get("invocations", []):
            for n in inv.get("toolExecutionNotifications", []):
                if n.get("level") == "error":
                    bad.append(n)
    return bad


def main():
    if not shutil.which("npm") or not shutil.which("node"):
        print("SKIP: npm not installed")
        return 77
    files = sorted(glob.glob(os.path.join(SRC, "fixtures", "golden", "reports", "*.sarif")))
    if len(files) < 3:
        print("FAIL: expected the SARIF goldens under fixtures/golden/reports, found %r" % files)
        return 1
    tool = ensure_multitool()
    if not tool:
        print("FAIL: could not install @microsoft/sarif-multitool into %s" % CACHE)
        return 1
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        # the harness must see a broken log as broken
        broken = os.path.join(tmp, "broken.sarif")
        with open(broken, "w") as fh:
            json.dump({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}},
                                                    "results": [{"message": {}}]}]}, fh)
        if not problems(tool, broken, tmp):
            print("FAIL: the validator accepted a result with no ruleId and no message text")
            failures += 1
        for f in files:
            bad = problems(tool, f, tmp)
            if bad:
                failures += 1
                print("FAIL: %s:" % os.path.basename(f))
                for b in bad:
                    print("  ", b.get("ruleId"), json.dumps(b.get("message")))
            else:
                print("ok: %s is valid SARIF 2.1.0" % os.path.basename(f))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
