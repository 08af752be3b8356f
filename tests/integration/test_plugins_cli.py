"""Integration: provider plugins through the CLI (`driftmap providers`, `--plugin`,
DRIFTMAP_PLUGIN_PATH, and `driftmap inventory` collecting from the example plugin)."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

BIN = os.environ["DM_BIN"]
PLUGINS = os.environ["DM_PLUGIN_DIR"]
EXAMPLE = os.path.join(PLUGINS, "example_provider.so")
TOO_NEW = os.path.join(PLUGINS, "too_new_provider.so")
NO_ENTRY = os.path.join(PLUGINS, "no_entry_provider.so")


def run(args, env_extra=None):
    env = dict(os.environ)
    env.pop("DRIFTMAP_PLUGIN_PATH", None)
    env.update(env_extra or {})
    p = subprocess.run([BIN] + args, capture_output=True, text=True, env=env, timeout=120)
    return p.returncode, p.stdout, p.stderr


def check(cond, what):
    if not cond:
        print("FAIL:", what)
        sys.exit(1)


def line_of(out, name):
    for line in out.splitlines():
        if line.split() and line.split()[0] == name:
            return line
    return None


def main():
    # built-ins only
    rc, out, err = run(["providers"])
    check(rc == 0, "providers exits 0: %r" % err)
    aws = line_of(out, "aws")
    check(aws is not None and "built-in" in aws, "aws listed as built-in: %r" % out)
    check(line_of(out, "example") is None, "example not listed without the plugin")

    # --plugin
    rc, out, err = run(["providers", "--verbose", "--plugin", EXAMPLE])
    check(rc == 0, "providers --plugin exits 0: %r" % err)
    ex = line_of(out, "example")
    check(ex is not None, "example listed: %r" % out)
    check(EXAMPLE in ex and "2 types" in ex and "widgets and gadgets" in ex, "example line: %r" % ex)
    check(line_of(out, "example_widget") is not None and line_of(out, "example_gadget") is not None,
          "--verbose lists the example types: %r" % out)
    check(line_of(out, "aws") is not None, "aws still listed with a plugin")

    # DRIFTMAP_PLUGIN_PATH with a directory
    tmp = tempfile.mkdtemp(prefix="dm-plugins-")
    try:
        copy = os.path.join(tmp, "example.so")
        shutil.copy(EXAMPLE, copy)
        rc, out, err = run(["providers"], {"DRIFTMAP_PLUGIN_PATH": tmp})
        check(rc == 0, "providers with DRIFTMAP_PLUGIN_PATH exits 0: %r" % err)
        ex = line_of(out, "example")
        check(ex is not None and copy in ex, "example from DRIFTMAP_PLUGIN_PATH: %r" % out)

        # the same provider twice (env + --plugin of another file) is an error
        rc, out, err = run(["providers", "--plugin", EXAMPLE], {"DRIFTMAP_PLUGIN_PATH": tmp})
        check(rc == 1, "duplicate provider exits 1, got %d" % rc)
        check('provider "example" is already registered (%s)' % copy in err, "dup msg: %r" % err)

        # inventory collected from the plugin: 3 resources, one failed scope -> exit 3
        inv = os.path.join(tmp, "live.json")
        rc, out, err = run(["inventory", "--plugin", EXAMPLE, "--provider", "example",
                            "--region", "eu-west-1", "--provider-option", "greeting=hi",
                            "--output", "json=" + inv])
        check(rc == 3, "inventory with a failed scope exits 3, got %d: %r" % (rc, err))
        with open(inv) as f:
            doc = json.load(f)
        text = json.dumps(doc)
        for rid in ("w-1", "w-2", "g-1"):
            check('"%s"' % rid in text, "inventory holds %s" % rid)
        check("gadgets:ListGadgets" in text and "HTTP 503 after 3 attempts" in text,
              "inventory records the failed scope")
        check('"hi"' in text, "the provider option reached the plugin")
    finally:
        shutil.rmtree(tmp)

    # broken plugins: one-line errors, exit 1
    rc, out, err = run(["providers", "--plugin", TOO_NEW])
    check(rc == 1, "too-new plugin exits 1, got %d" % rc)
    check(TOO_NEW + ": provider ABI version 99 is newer than this driftmap supports (1)" in err,
          "too-new message: %r" % err)
    rc, out, err = run(["providers", "--plugin", NO_ENTRY])
    check(rc == 1, "no-entry plugin exits 1, got %d" % rc)
    check(NO_ENTRY + ": missing entry point driftmap_provider_entry" in err, "no-entry msg: %r" % err)
    check(len(err.strip().splitlines()) == 1, "one-line error: %r" % err)
    print("ok")


if __name__ == "__main__":
    main()
