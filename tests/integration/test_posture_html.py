#!/usr/bin/env python3
"""The posture HTML review page in a real browser: headless Chromium (Debian
`chromium`) driven by playwright-core from npm, as in test_html_report.py.

Runs the real CLI once, `driftmap posture --live fixtures/posture/estate.json
--output html=P --output json=J`, opens P from a file:// URL and checks the
DOM against J of the same run: the severity summary counts (and muted / not
evaluated), the per-area counts, every finding in its area section with its
severity, rule, resource, message and evidence (the evidence JSON in the page
equals the JSON report's), the segmentation matrix (tier headers and every
cell against segmentation.pairs), the inline segmentation diagram (one <svg>
naming every tier), no network requests, no page errors, no
scripts; the one interaction the page offers (the evidence <details>) opens
and closes. Saves a screenshot to docs/img/posture-report.png.

Exit 77 (skipped) when node/npm or chromium is absent. playwright-core is
installed into $DM_NODE_CACHE (default $DM_BUILD_DIR/node) when missing; it
never downloads a browser.
"""
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile

SRC = os.environ.get("DM_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("DM_BUILD_DIR", os.path.join(SRC, "build"))
BIN = os.environ.get("DM_BIN", os.path.join(BUILD, "driftmap"))
CACHE = os.environ.get("DM_NODE_CACHE", os.path.join(BUILD, "node"))
CHROMIUM = os.environ.get("DM_CHROMIUM", "/usr/bin/chromium")
ESTATE = os.path.join(SRC, "fixtures", "posture", "estate.json")
# The screenshot goes to the build folder; DM_UPDATE_SCREENSHOTS=1 refreshes the committed one
# in docs/img/ (look at it before committing).
SHOT = os.environ.get("DM_POSTURE_SCREENSHOT") or (
    os.path.join(SRC, "docs", "img", "posture-report.png") if os.environ.get("DM_UPDATE_SCREENSHOTS") == "1"
    else os.path.join(os.environ.get("DM_BUILD_DIR", "/tmp"), "posture-report.png"))
AREAS = ("network", "iam", "eks")

SCRIPT = r"""
const { chromium } = require('playwright-core');
(async () => {
  const [exe, url, shot] = process.argv.slice(2);  // playwright gives the browser a fresh temp profile
  const browser = await chromium.launch({ executablePath: exe, headless: true, args: [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  const out = { requests: [] };
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('request', r => { if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) out.requests.push(r.url()); });
    const errors = [];
    page.on('pageerror', e => errors.push(String(e)));
    page.on('console', m => { if (m.type() === 'error') errors.push('console: ' + m.text()); });
    await page.goto(url);
    out.title = await page.title();
    out.scripts = await page.$$eval('script', s => s.length);
    out.external = await page.$$eval('[src],[href]', es => es.map(e => e.getAttribute('src') || e.getAttribute('href')));
    out.summary_head = await page.$$eval('table.summary tr:nth-child(1) th', c => c.map(x => x.textContent.trim()));
    out.summary_vals = await page.$$eval('table.summary tr:nth-child(2) td', c => c.map(x => x.textContent.trim()));
    out.by_area = await page.$$eval('p', ps => (ps.find(p => p.textContent.startsWith('By area')) || {}).textContent || '');
    // every h2 with the table (or paragraph) that follows it
    out.sections = await page.$$eval('h2', hs => hs.map(h => {
      const n = h.nextElementSibling;
      const s = { id: h.id, title: h.textContent, next: n ? n.tagName : null, rows: [], matrix: null };
      if (!n || n.tagName !== 'TABLE') return s;
      const trs = Array.from(n.querySelectorAll('tr'));
      if (h.textContent === 'Segmentation matrix') {
        s.matrix = trs.map(tr => Array.from(tr.cells).map(c => c.textContent));
        return s;
      }
      s.rows = trs.filter(tr => tr.cells[0].tagName === 'TD').map(tr => {
        const sev = tr.cells[0].querySelector('.sev');
        const code = tr.cells[2].querySelector('code');
        const pre = tr.cells[4] && tr.cells[4].querySelector('details pre');
        return { muted: tr.classList.contains('muted'), sev: sev ? sev.textContent : null,
                 sev_class: sev ? sev.className : null, rule: tr.cells[1].textContent,
                 resource: code ? code.textContent : null, finding: tr.cells[3].textContent,
                 evidence: pre ? pre.textContent : null,
                 open: tr.cells[4] ? !!tr.cells[4].querySelector('details[open]') : null };
      });
      return s;
    }));
    out.diagram_svg = await page.$$eval('.diagram svg', s => s.length);
    out.diagram_text = await page.$$eval('.diagram svg', s => s.map(x => x.textContent).join(' '));
    // the collapse interaction: evidence closed at first, opens and closes on click
    const det = page.locator('details').first();
    out.det_count = await page.locator('details').count();
    out.pre_visible_0 = await det.locator('pre').isVisible();
    await det.locator('summary').click();
    out.pre_visible_1 = await det.locator('pre').isVisible();
    out.pre_height_1 = await det.locator('pre').evaluate(e => e.getBoundingClientRect().height);
    await det.locator('summary').click();
    out.pre_visible_2 = await det.locator('pre').isVisible();
    // the screenshot shows the first finding's evidence open
    await det.locator('summary').click();
    out.page_width = await page.evaluate(() => document.documentElement.scrollWidth);
    await page.screenshot({ path: shot, fullPage: true });
    out.errors = errors;
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(out));
})().catch(e => { console.error(e); process.exit(1); });
"""


def ensure_playwright():
    mod = os.path.join(CACHE, "node_modules", "playwright-core")
    if os.path.isdir(mod):
        return True
    os.makedirs(CACHE, exist_ok=True)
    r = subprocess.run(["npm", "install", "--prefix", CACHE, "--no-audit", "--no-fund",
                        "playwright-core"], capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        print(r.stdout + r.stderr, file=sys.stderr)
        return False
    return os.path.isdir(mod)


def port_cells(allowed):
    """The matrix cell the page must show for a pair's allowed list."""
    return sorted("all traffic" if a["protocol"] == "-1" else "%s/%s" % (a["protocol"], a["ports"])
                  for a in allowed)


def main():
    if not shutil.which("node") or not shutil.which("npm"):
        print("SKIP: node/npm not installed")
        return 77
    if not os.access(CHROMIUM, os.X_OK):
        print("SKIP: %s not installed (apt-get install chromium)" % CHROMIUM)
        return 77
    if not ensure_playwright():
        print("FAIL: could not install playwright-core into %s" % CACHE)
        return 1
    os.makedirs(os.path.dirname(SHOT), exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        html = os.path.join(tmp, "posture.html")
        jpath = os.path.join(tmp, "posture.json")
        r = subprocess.run([BIN, "posture", "--live", ESTATE, "--output", "html=" + html,
                            "--output", "json=" + jpath], capture_output=True, text=True, timeout=120)
        if r.returncode != 0 or not os.path.isfile(html) or not os.path.isfile(jpath):
            print("FAIL: driftmap posture exit %d\n%s%s" % (r.returncode, r.stdout[-2000:], r.stderr))
            return 1
        with open(jpath) as f:
            rep = json.load(f)
        with open(html, encoding="utf-8") as f:
            raw = f.read()
        js = os.path.join(tmp, "drive.js")
        with open(js, "w") as f:
            f.write(SCRIPT)
        env = dict(os.environ, NODE_PATH=os.path.join(CACHE, "node_modules"))
        r = subprocess.run(["node", js, CHROMIUM, "file://" + os.path.abspath(html), SHOT],
                           capture_output=True, text=True, timeout=300, env=env)
    if r.returncode != 0:
        print(r.stdout, r.stderr)
        return 1
    out = json.loads(r.stdout)
    failures = []

    def check(cond, what):
        if not cond:
            failures.append(what)

    summ = rep["summary"]
    findings = rep["findings"]
    check(rep["schema"] == "driftmap.posture/v1", "json schema %r" % rep.get("schema"))
    check(summ["findings"] == len(findings) and len(findings) > 0, "json findings %d" % len(findings))
    check(out["title"] == "driftmap posture review", "title %r" % out["title"])
    check(out["scripts"] == 0 and not out["external"], "self-contained: scripts %d, src/href %r"
          % (out["scripts"], out["external"]))
    check("<script" not in raw and "http://" not in raw.replace("http://www.w3.org", "")
          and "https://" not in raw, "no script or remote URL in the file")

    # severity summary: the page's counts are the JSON's counts of the same run
    head, vals = out["summary_head"], out["summary_vals"]
    check(len(head) == len(vals) == 7, "summary table %r / %r" % (head, vals))
    page_summary = dict(zip(head, vals))
    want = dict((k, str(v)) for k, v in summ["by_severity"].items())
    want["muted"] = str(summ["muted"])
    want["not evaluated"] = str(summ["not_evaluated"])
    check(page_summary == want, "summary counts page %r json %r" % (page_summary, want))
    check(head[:5] == ["critical", "high", "medium", "low", "info"], "severity order %r" % head)
    by_sev_json = collections.Counter(f["severity"] for f in findings)
    check(all(by_sev_json[k] == summ["by_severity"][k] for k in summ["by_severity"]),
          "json summary agrees with its findings")
    check(out["by_area"] == "By area: network %d \u00b7 IAM %d \u00b7 EKS %d"
          % (summ["by_area"]["network"], summ["by_area"]["iam"], summ["by_area"]["eks"]),
          "by-area line %r" % out["by_area"])

    # findings grouped by area, each with its evidence
    secs = {s["id"]: s for s in out["sections"] if s["id"]}
    titles = [s["title"] for s in out["sections"]]
    check([s["id"] for s in out["sections"] if s["id"]] == list(AREAS), "area sections %r" % titles)
    nrows = 0
    for area in AREAS:
        s = secs.get(area, {"rows": [], "title": ""})
        jf = [f for f in findings if f["area"] == area]
        check(s["title"].endswith("(%d)" % len(jf)), "%s heading %r, json has %d" % (area, s["title"], len(jf)))
        check(len(s["rows"]) == len(jf), "%s: %d rows, json %d" % (area, len(s["rows"]), len(jf)))
        nrows += len(s["rows"])
        pending = collections.defaultdict(list)
        for f in jf:
            pending[(f["rule"], f["resource_id"])].append(f)
        for row in s["rows"]:
            key = (row["rule"], row["resource"])
            cands = [f for f in pending.get(key, []) if row["finding"].startswith(f["message"])]
            if not cands:
                failures.append("%s row %r %r not in the JSON findings of that area" % (area, key, row["finding"][:80]))
                continue
            ev = None
            try:
                ev = json.loads(row["evidence"]) if row["evidence"] is not None else None
            except ValueError:
                failures.append("%s %r evidence is not JSON: %r" % (area, key, row["evidence"][:80]))
            match = [f for f in cands if f["evidence"] == ev] or cands
            f = match[0]
            pending[key].remove(f)
            check(ev is not None and ev == f["evidence"], "%s %r evidence %r != json %r" % (area, key, ev, f["evidence"]))
            check(isinstance(ev, dict) and len(ev) > 0, "%s %r evidence empty" % (area, key))
            check(row["sev"] == f["severity"] and row["sev_class"] == "sev " + f["severity"],
                  "%s %r severity %r/%r json %r" % (area, key, row["sev"], row["sev_class"], f["severity"]))
            check(row["muted"] == bool(f["muted"]), "%s %r muted flag" % (area, key))
            check("Fix: " + f["remediation"] in row["finding"], "%s %r remediation shown" % (area, key))
            check(row["open"] is False, "%s %r evidence collapsed by default" % (area, key))
    check(nrows == summ["findings"], "rows %d == findings %d" % (nrows, summ["findings"]))

    # the segmentation matrix: tiers as columns, internet + tiers as rows, cells = pairs
    mat = next((s["matrix"] for s in out["sections"] if s["title"] == "Segmentation matrix"), None)
    seg = rep["segmentation"]
    tiers = [t["name"] for t in seg["tiers"]]
    check(mat is not None, "segmentation matrix table present (sections %r)" % titles)
    if mat is not None:
        check(len(tiers) > 0, "json has tiers")
        check(mat[0] == ["from \\ to"] + tiers, "matrix header %r tiers %r" % (mat[0], tiers))
        check([r[0] for r in mat[1:]] == ["internet"] + tiers, "matrix rows %r" % [r[0] for r in mat[1:]])
        pairs = {(p["from"], p["to"]): port_cells(p["allowed"]) for p in seg["pairs"]}
        shown = 0
        for row in mat[1:]:
            for to, cell in zip(tiers, row[1:]):
                got = sorted(x for x in cell.split(", ") if x)
                exp = pairs.get((row[0], to), [])
                shown += bool(got)
                check(got == exp, "matrix %s -> %s: page %r json %r" % (row[0], to, got, exp))
        check(shown == len([p for p in seg["pairs"] if p["allowed"]]) and shown > 0,
              "every non-empty pair shown once (%d)" % shown)
        check(any(r[0] == "internet" and any(r[1:]) for r in mat[1:]), "internet row has an entry")

    # the segmentation diagram, inline (issue 7 item 8), drawing every tier
    check(out["diagram_svg"] == 1, "one inline segmentation svg, got %d" % out["diagram_svg"])
    check(all(t in out["diagram_text"] for t in tiers), "diagram names the tiers %r" % tiers)
    check("Segmentation diagram" in titles, "diagram section heading (sections %r)" % titles)

    # the interaction the page offers: evidence <details> collapse
    check(out["det_count"] == summ["findings"], "one evidence <details> per finding (%d)" % out["det_count"])
    check(out["pre_visible_0"] is False, "evidence hidden before the click")
    check(out["pre_visible_1"] is True and out["pre_height_1"] > 10, "evidence shown after the click")
    check(out["pre_visible_2"] is False, "evidence hidden after the second click")
    check(out["page_width"] <= 1400, "no horizontal scroll at 1400 px (width %d)" % out["page_width"])

    check(not out["errors"], "page errors %r" % out["errors"])
    check(not out["requests"], "network requests %r" % out["requests"])
    check(os.path.getsize(SHOT) > 10000, "screenshot written")
    for f in failures:
        print("FAIL:", f)
    if failures:
        return 1
    print("posture html: %d findings in %d areas with evidence, summary = json, %dx%d matrix, "
          "details toggle works; screenshot %s" % (nrows, len(AREAS), len(mat) - 1, len(tiers), SHOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
