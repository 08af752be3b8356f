#!/usr/bin/env python3
"""`driftmap diagram --view segmentation` and the posture HTML page's inline
segmentation diagram, through the real CLI over fixtures/posture/estate.json.

The expected tiers and allowed pairs come from `driftmap posture --format json`
of the same inventory (segmentation.tiers / segmentation.pairs), never from
constants: every tier is an SVG node, every allowed pair between two tiers is
one `edge-allows` edge (and there is no other), a tier's traffic within itself
is on its node; two runs give the same bytes; the HTML page inlines the same
picture. Also: an unknown view is still an error.
"""
import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

SRC = os.environ.get("DM_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("DM_BUILD_DIR", os.path.join(SRC, "build"))
BIN = os.environ.get("DM_BIN", os.path.join(BUILD, "driftmap"))
ESTATE = os.path.join(SRC, "fixtures", "posture", "estate.json")
SVG = "{http://www.w3.org/2000/svg}"


# Graphviz 2.42 and its font stack leak by themselves (see tests/unit/test_graph.c); under a
# DM_SANITIZE build the binary would exit 1 at LeakSanitizer's report. Suppress those libraries only.
LSAN_SUPP = ["libgvc.so", "libcgraph.so", "libgvplugin_", "libfontconfig.so", "libglib-2.0.so",
             "libgobject-2.0.so", "libpango", "libcairo.so", "libharfbuzz.so", "libpixman",
             "libfreetype.so"]
ENV = dict(os.environ)


def run(*args, ok=(0,)):
    p = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=120, env=ENV)
    if p.returncode not in ok:
        sys.exit(f"driftmap {' '.join(args)}: exit {p.returncode}\n{p.stderr}")
    return p


def key(t):
    return "internet" if t == "internet" else "tier/" + t


def groups(root, cls):
    for g in root.iter(SVG + "g"):
        if cls in (g.get("class") or "").split():
            yield g


def text(el):
    return " ".join(t for t in el.itertext())


def main():
    with tempfile.TemporaryDirectory() as d:
        supp = os.path.join(d, "lsan.supp")
        with open(supp, "w") as f:
            f.write("".join(f"leak:{lib}\n" for lib in LSAN_SUPP))
        ENV["LSAN_OPTIONS"] = ":".join(x for x in (os.environ.get("LSAN_OPTIONS"), "suppressions=" + supp) if x)
        post = json.loads(run("posture", "--live", ESTATE, "--format", "json", ok=(0, 2, 3)).stdout)
        seg = post["segmentation"]
        tiers = [t["name"] for t in seg["tiers"]]
        pairs = [p for p in seg["pairs"] if p["allowed"]]
        assert len(tiers) >= 3 and len(pairs) >= 3, seg
        a, b = os.path.join(d, "a.svg"), os.path.join(d, "b.svg")
        run("diagram", "--view", "segmentation", "--live", ESTATE, "--output", "svg=" + a)
        run("diagram", "--view", "segmentation", "--live", ESTATE, "--output", "svg=" + b)
        with open(a, "rb") as fa, open(b, "rb") as fb:
            abytes = fa.read()
            assert abytes == fb.read(), "segmentation SVG differs between two runs"
        root = ET.fromstring(abytes)
        nodes = {g.get("id"): g for g in groups(root, "node")}
        for t in tiers:
            assert key(t) in nodes, f"tier {t} not drawn"
            assert t in text(nodes[key(t)]), f"tier {t}: name not in label"
        edges = {}
        for g in groups(root, "edge-allows"):
            edges[g.find(SVG + "title").text] = g
        want = set()
        for p in pairs:
            if p["from"] == p["to"]:
                assert "within:" in text(nodes[key(p["from"])]), p
                continue
            title = key(p["from"]) + "->" + key(p["to"])
            want.add(title)
            assert title in edges, f"allowed pair {title} missing"
            label = text(edges[title])
            for al in p["allowed"][:4]:
                item = "all" if al["protocol"] == "-1" else f'{al["protocol"]}/{al["ports"]}'
                assert item in label, f"{title}: {item} not in '{label}'"
        assert set(edges) == want, f"extra edges: {set(edges) - want}"

        # the posture HTML page inlines the same picture
        html = os.path.join(d, "p.html")
        run("posture", "--live", ESTATE, "--output", "html=" + html, "--quiet", ok=(0, 2, 3))
        with open(html, encoding="utf-8") as f:
            page = f.read()
        assert "view&#45;segmentation" in page or "view-segmentation" in page, "no inline diagram"
        for t in want:
            assert t.replace("->", "&#45;&gt;") in page, f"inline diagram lacks {t}"

        bad = run("diagram", "--view", "nonsense", "--live", ESTATE, "--output", "svg=" + a, ok=(1,))
        assert "segmentation" in bad.stderr
    print("ok")


if __name__ == "__main__":
    main()
