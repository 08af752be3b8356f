"""Shared harness of the real-Terraform tests (test_terraform_real*.py).

`terraform apply` with the hashicorp/aws provider from the local filesystem mirror (AWS_NOTES.md,
"Real Terraform against the emulator") against a moto server, then `driftmap scan` of the state
it wrote. A test imports this module and calls:
  tools()                   -> (terraform, mirror) or None after printing the SKIP reason
  apply(tf, mirror, work, tmp) -> True when `terraform init` + `apply` succeeded in work/
  scan(moto, state, tmp, tag, regions) -> (exit code, report or None, stderr)
  check(cond, msg) / FAILS  -> TAP-like lines and the failures collected
"""
import json
import os
import shutil
import subprocess
import time

import awsestate as est

DM_BIN = os.environ.get("DM_BIN") or os.path.join(os.environ.get("DM_BUILD_DIR", "."), "driftmap")
MIRRORS = ("/opt/tf-plugins", os.path.expanduser("~/.terraform.d/plugins"))
FAILS = []


def check(cond, msg):
    if not cond:
        FAILS.append(msg)
    print(("ok   - " if cond else "FAIL - ") + msg)


def tools():
    """(terraform binary, provider mirror root), or None (and the SKIP line) when one is missing."""
    tf = shutil.which("terraform")
    mirror = next((m for m in MIRRORS if os.path.isdir(os.path.join(m, "registry.terraform.io"))), None)
    if not tf or not mirror or not shutil.which("moto_server"):
        print("SKIP: terraform=%s mirror=%s moto_server=%s" % (tf, mirror, shutil.which("moto_server")))
        return None
    return tf, mirror


def apply(tf, mirror, work, tmp):
    """`terraform init` and `apply` in work/, offline (providers from the mirror only)."""
    rc_file = os.path.join(tmp, "tf.rc")
    with open(rc_file, "w") as f:
        f.write('provider_installation {\n filesystem_mirror {\n  path = "%s"\n'
                '  include = ["registry.terraform.io/*/*"]\n }\n direct {\n'
                '  exclude = ["registry.terraform.io/*/*"]\n }\n}\n' % mirror)
    env = dict(os.environ, TF_CLI_CONFIG_FILE=rc_file, CHECKPOINT_DISABLE="1",
               TF_IN_AUTOMATION="1", HOME=tmp)
    for args in (["init", "-input=false", "-no-color"],
                 ["apply", "-auto-approve", "-input=false", "-no-color"]):
        t0 = time.time()
        p = subprocess.run([tf] + args, cwd=work, env=env, capture_output=True, text=True,
                           timeout=900)
        print("# terraform %s: exit %d, %.1f s" % (args[0], p.returncode, time.time() - t0))
        if p.returncode != 0:
            check(False, "terraform %s: %s" % (args[0], (p.stdout + p.stderr)[-3000:]))
            return False
    return True


def scan(moto, state, tmp, tag, regions=("us-east-1",)):
    """`driftmap scan` of state against moto; the JSON report (None if not written)."""
    out = os.path.join(tmp, "r-%s.json" % tag)
    env = dict(os.environ)
    env.update(est.aws_env(moto.url))
    env["HOME"] = tmp
    args = [DM_BIN, "scan", "--state", state, "--quiet", "--no-color", "--output", "json=" + out]
    for r in regions:
        args += ["--region", r]
    p = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
    rep = json.load(open(out)) if os.path.exists(out) else None
    return p.returncode, rep, p.stderr
