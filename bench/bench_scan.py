#!/usr/bin/env python3
"""Scan benchmark (issue 2): parse + match + diff + JSON report for generated estates.

usage: bench_scan.py DRIFTMAP_BIN [SIZES...]   (default sizes: 10000 100000)
For each size: generate state + live inventory (~2% drift), run
`driftmap scan --state S --live L --format json` 5 times, print the median wall time and the
peak RSS (from /usr/bin/time -v), and check the exit code is 2 (drift found).
"""
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def run_once(binary, state, live):
    cmd = ["/usr/bin/time", "-v", binary, "scan", "--state", state, "--live", live,
           "--format", "json", "--quiet"]
    t0 = time.monotonic()
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.monotonic() - t0
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    rss = int(m.group(1)) * 1024 if m else 0
    u = re.search(r"User time \(seconds\): ([\d.]+)", p.stderr)
    s = re.search(r"System time \(seconds\): ([\d.]+)", p.stderr)
    cpu = (float(u.group(1)) if u else 0) + (float(s.group(1)) if s else 0)
    return p.returncode, wall, rss, p.stderr, cpu


def main():
    binary = sys.argv[1]
    sizes = [int(s) for s in sys.argv[2:]] or [10000, 100000]
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            d = os.path.join(tmp, str(n))
            os.makedirs(d)
            subprocess.run([sys.executable, os.path.join(HERE, "gen_estate.py"), str(n), d], check=True)
            state, live = os.path.join(d, "state.tfstate"), os.path.join(d, "live.json")
            walls, rsss, cpus = [], [], []
            for _ in range(5):
                rc, wall, rss, err, cpu = run_once(binary, state, live)
                if rc != 2:
                    sys.exit("bench: expected exit 2 (drift) for n=%d, got %d: %s" % (n, rc, err[-500:]))
                walls.append(wall)
                rsss.append(rss)
                cpus.append(cpu)
            results[n] = (statistics.median(walls), max(rsss), os.path.getsize(state),
                          statistics.median(cpus), min(walls))
            print("n=%-7d median %.3f s (min %.3f)  cpu %.3f s  peak RSS %.1f MiB  state %.1f MiB" %
                  (n, results[n][0], results[n][4], results[n][3], results[n][1] / 2**20,
                   results[n][2] / 2**20), flush=True)
    if len(sizes) >= 2:
        a, b = sizes[0], sizes[-1]
        print("scaling %dx resources -> %.2fx wall time, %.2fx cpu time" %
              (b // a, results[b][0] / results[a][0], results[b][3] / results[a][3]))


if __name__ == "__main__":
    main()
