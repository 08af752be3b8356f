#!/usr/bin/env python3
"""`cmake --install` gives a usable library: headers, libdriftmap.{a,so}, driftmap.pc.

Installs the build into a temp prefix, compiles a small program against it with
`pkg-config --cflags --libs driftmap` (shared) and runs it.
"""
import os
import subprocess
import sys
import tempfile

BUILD = os.environ["DM_BUILD_DIR"]
PROGRAM = r'''
#include <driftmap/driftmap.h>
#include <stdio.h>
int main(void)
{
	dm_ctx *ctx = NULL;
	dm_inventory *inv = NULL;
	if (dm_ctx_new(&ctx) != 0 || dm_inventory_new(&inv) != 0)
		return 1;
	printf("%s %zu %zu\n", dm_version(), dm_providers_count(ctx), dm_inventory_count(inv));
	dm_inventory_free(inv);
	dm_ctx_free(ctx);
	return 0;
}
'''


def main():
    with tempfile.TemporaryDirectory(prefix="dm-install-") as tmp:
        prefix = os.path.join(tmp, "prefix")
        subprocess.run(["cmake", "--install", BUILD, "--prefix", prefix], check=True,
                       stdout=subprocess.DEVNULL)
        pcdir = [os.path.join(prefix, d, "pkgconfig") for d in ("lib", "lib64", "lib/x86_64-linux-gnu")
                 if os.path.isdir(os.path.join(prefix, d, "pkgconfig"))]
        if not pcdir:
            print("FAIL: no pkgconfig directory installed")
            return 1
        env = dict(os.environ, PKG_CONFIG_PATH=pcdir[0])
        flags = subprocess.run(["pkg-config", "--cflags", "--libs", "driftmap"], env=env, check=True,
                               capture_output=True, text=True).stdout.split()
        src = os.path.join(tmp, "use.c")
        with open(src, "w") as f:
            f.write(PROGRAM)
        exe = os.path.join(tmp, "use")
        cflags = os.environ.get("DM_TEST_CFLAGS", "").split()
        subprocess.run(["cc", "-std=c11", "-Wall", "-Werror", src, "-o", exe] + flags + cflags,
                       check=True)
        libdir = os.path.dirname(os.path.dirname(pcdir[0] + "/"))
        out = subprocess.run([exe], env=dict(os.environ, LD_LIBRARY_PATH=libdir), check=True,
                             capture_output=True, text=True).stdout.split()
        if len(out) != 3 or out[1] == "0" or out[2] != "0":
            print("FAIL: unexpected output from the installed library: %s" % out)
            return 1
        print("ok - installed library %s with %s provider(s) builds and runs via pkg-config" %
              (out[0], out[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
