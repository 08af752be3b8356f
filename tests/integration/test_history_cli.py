#!/usr/bin/env python3
"""`driftmap history` end to end on a SQLite store: two offline scans with
--store (saved live inventory, the second one with a resource removed), then
list, show (the stored JSON report equals the one the scan wrote; --output svg=/dot=
draw the stored run's drift diagram), the HTML report's Trend chart, compare
(checked against new/resolved computed here from the two reports'
fingerprints), trend (CSV and SVG), prune, and bad/unreachable stores (exit
1, one-line error, the report files still written).

Exit 77 (skipped) while the CLI has no `history` command.
"""
import json
import os
import subprocess
import sys
import tempfile

SRC = os.environ.get("DM_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
DM = os.environ.get("DM_BIN", os.path.join(SRC, "build", "driftmap"))
STATE = os.path.join(SRC, "fixtures", "states", "small.tfstate")
LIVE = os.path.join(SRC, "fixtures", "estates", "demo-live.json")


def run(*args, ok=(0,)):
    p = subprocess.run([DM, *args], capture_output=True, text=True, timeout=300)
    if p.returncode not in ok:
        sys.exit(f"FAIL: {' '.join(args)} -> {p.returncode}\nstdout: {p.stdout[-2000:]}\nstderr: {p.stderr[-2000:]}")
    return p


def check(cond, msg):
    if not cond:
        sys.exit("FAIL: " + msg)


def strip_first_seen(doc):
    for key in ("drift", "ignored", "findings"):
        for f in doc.get(key, []) or []:
            f.pop("first_seen", None)
    return doc


def main():
    probe = subprocess.run([DM, "history", "--help"], capture_output=True, text=True)
    if probe.returncode != 0:
        print("skipped: this driftmap has no `history` command yet")
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        store = "sqlite:" + os.path.join(tmp, "h", "history.db")
        live2 = os.path.join(tmp, "live2.json")
        doc = json.load(open(LIVE))
        removed = doc["resources"].pop(0)
        json.dump(doc, open(live2, "w"))
        r1, r2 = os.path.join(tmp, "r1.json"), os.path.join(tmp, "r2.json")
        h1, h2 = os.path.join(tmp, "r1.html"), os.path.join(tmp, "r2.html")
        run("scan", "--state", STATE, "--live", LIVE, "--store", store, "--quiet",
            "--output", "json=" + r1, "--output", "html=" + h1, ok=(0, 2, 3))
        run("scan", "--state", STATE, "--live", live2, "--store", store, "--quiet",
            "--output", "json=" + r2, "--output", "html=" + h2, ok=(0, 2, 3))
        rep1, rep2 = json.load(open(r1)), json.load(open(r2))

        # HTML trend: drawn from the drift runs recorded before this scan (none for the first)
        html1, html2 = open(h1).read(), open(h2).read()
        check("<h2>Trend</h2>" not in html1, "no trend section without recorded runs")
        check("<h2>Trend</h2>" in html2, "trend section in the second scan's HTML")
        sect = html2[html2.index("<h2>Trend</h2>"):]
        sect = sect[:sect.index("</svg>")]
        check('<svg xmlns="http://www.w3.org/2000/svg" class="dm-trend"' in sect, "trend is inline SVG")
        check("driftmap trend: 1 runs" in sect, "trend covers the one run recorded before")
        check('class="series-drifted"' in sect and "<script" not in sect, "trend series, no script")
        check(html2.index("<h2>Trend</h2>") < html2.index("<h2>Drift diagram</h2>"), "trend before the diagram")

        lst = json.loads(run("history", "--store", store, "list", "--format", "json").stdout)
        runs = lst["runs"]
        check(len(runs) == 2, f"2 runs expected, got {len(runs)}")
        check(all(r["kind"] == "drift" for r in runs), "kinds")
        check(lst["store"]["bytes"] > 0, "store size reported")
        id1, id2 = runs[1]["id"], runs[0]["id"]
        drifted1 = rep1["summary"]["unmanaged"] + rep1["summary"]["missing"] + rep1["summary"]["changed"]
        check(runs[1]["drifted"] == drifted1, "drifted count of run 1")

        shown = json.loads(run("history", "--store", store, "show", str(id1), "--format", "json").stdout)
        check(strip_first_seen(shown) == strip_first_seen(json.load(open(r1))), "show returns the stored report")

        fp1 = {f["fingerprint"] for f in rep1["drift"] + rep1.get("ignored", [])}
        fp2 = {f["fingerprint"] for f in rep2["drift"] + rep2.get("ignored", [])}
        cmp = json.loads(run("history", "--store", store, "compare", str(id1), str(id2), "--format", "json").stdout)
        check({f["fingerprint"] for f in cmp["new"]} == fp2 - fp1, "compare: new")
        check({f["fingerprint"] for f in cmp["resolved"]} == fp1 - fp2, "compare: resolved")
        check(cmp["counts"]["unchanged"] + cmp["counts"]["changed"] == len(fp1 & fp2), "compare: common")
        check(len(fp1 ^ fp2) > 0, f"removing {removed['id']} should change the findings")

        csv = run("history", "--store", store, "trend", "--format", "csv").stdout.strip().splitlines()
        check(len(csv) == 3 and csv[0].startswith("run,started_at,kind"), "trend csv")
        svg = run("history", "--store", store, "trend", "--format", "svg").stdout
        check(svg.startswith("<svg") and "<script" not in svg, "trend svg")

        # history show RUN --output svg=/dot=: the stored run's drift diagram, not a report
        dsvg, ddot = os.path.join(tmp, "run2.svg"), os.path.join(tmp, "run2.dot")
        run("history", "--store", store, "show", "latest", "--output", "svg=" + dsvg,
            "--output", "dot=" + ddot, "--format", "text")
        svgtext = open(dsvg).read()
        check("<svg" in svgtext and "<script" not in svgtext, "show: SVG diagram written")
        check('class="node type&#45;' in svgtext, "show: diagram has resource node classes")
        for kind in ("unmanaged", "missing", "changed"):
            present = "drift&#45;" + kind in svgtext
            check(present == (rep2["summary"][kind] > 0),
                  f"show: drift-{kind} styling matches the run's {rep2['summary'][kind]} finding(s)")
        check(open(ddot).read().lstrip().startswith(("digraph", "strict digraph")), "show: DOT written")
        run("history", "--store", store, "prune", "--keep", "1")
        lst = json.loads(run("history", "--store", store, "list", "--format", "json").stdout)
        check([r["id"] for r in lst["runs"]] == [id2], "prune keeps the newest run")
        # first-seen: a finding seen in the kept run dates from it in a later report, in every format
        txt = run("scan", "--state", STATE, "--live", live2, "--store", store, "--no-color",
                  ok=(0, 2, 3)).stdout
        check("  since 20" in txt, "text report shows since when findings exist")
        pj = os.path.join(tmp, "posture.json")
        run("posture", "--live", live2, "--store", store, "--quiet", "--output", "json=" + pj,
            ok=(0, 2, 3))
        pdoc = json.load(open(pj))
        check(pdoc["findings"] and all("first_seen" in f for f in pdoc["findings"]),
              "posture --store: every finding has first_seen")


        for bad in ("mysql://db/x", "postgres://u:secret@127.0.0.1:1/x"):
            out = os.path.join(tmp, "r3.json")
            if os.path.exists(out):
                os.unlink(out)
            p = run("scan", "--state", STATE, "--live", LIVE, "--store", bad, "--quiet",
                    "--output", "json=" + out, ok=(1,))
            err = p.stderr.strip().splitlines()
            check(len(err) == 1 and "history store" in err[0] and "secret" not in err[0],
                  f"one-line store error for {bad}: {p.stderr!r}")
            check(os.path.exists(out), f"report file written despite the store error ({bad})")
        p = run("history", "--store", "mysql://db/x", "list", ok=(1,))
        check(len(p.stderr.strip().splitlines()) == 1, "history list: one-line error")
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
