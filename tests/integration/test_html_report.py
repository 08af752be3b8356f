#!/usr/bin/env python3
"""The HTML report in a real browser: headless Chromium (Debian `chromium`)
driven by playwright-core from npm. Opens the basic report (rendered by the
unit test test_report and kept byte-equal to the renderer's output by its
golden check) from a file:// URL with the network unused, checks the rows,
the inline SVG diagram, a filter interaction and sorting, and saves a
screenshot to docs/img/html-report.png.

Exit 77 (skipped) when node/npm or chromium is absent. playwright-core is
installed into a cache dir ($DM_NODE_CACHE, default $DM_BUILD_DIR/node)
when missing; it never downloads a browser.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

SRC = os.environ.get("DM_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("DM_BUILD_DIR", os.path.join(SRC, "build"))
CACHE = os.environ.get("DM_NODE_CACHE", os.path.join(BUILD, "node"))
CHROMIUM = os.environ.get("DM_CHROMIUM", "/usr/bin/chromium")
REPORT = os.path.join(SRC, "fixtures", "golden", "reports", "basic.html")
# The screenshot goes to the build folder; DM_UPDATE_SCREENSHOTS=1 refreshes the committed one
# in docs/img/ (look at it before committing).
SHOT = os.environ.get("DM_HTML_SCREENSHOT") or (
    os.path.join(SRC, "docs", "img", "html-report.png") if os.environ.get("DM_UPDATE_SCREENSHOTS") == "1"
    else os.path.join(os.environ.get("DM_BUILD_DIR", "/tmp"), "html-report.png"))

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
    await page.goto(url);
    const visible = () => page.$$eval('#findings tbody tr', rs => rs.filter(r => !r.hidden).map(r => r.dataset.kind + ' ' + r.cells[3].textContent));
    out.rows = await visible();
    out.count_text = await page.textContent('#f-count');
    out.svg = await page.$$eval('#diagram svg', s => s.length);
    out.svg_text = await page.$eval('#diagram svg', s => s.textContent);
    out.verdict = await page.textContent('#verdict');
    await page.selectOption('#f-kind', 'changed');
    out.after_kind = await visible();
    await page.selectOption('#f-type', 'aws_vpc');
    out.after_kind_type = await visible();
    await page.selectOption('#f-kind', '');
    await page.selectOption('#f-type', '');
    await page.fill('#f-text', 'ingress');
    out.after_text = await visible();
    out.none_hidden = await page.$eval('#f-none', e => e.hidden);
    await page.fill('#f-text', 'no-such-thing-anywhere');
    out.none_hidden_empty = await page.$eval('#f-none', e => e.hidden);
    await page.fill('#f-text', '');
    await page.click('#findings thead th:nth-child(2)');
    out.sorted_sev = await page.$$eval('#findings tbody tr', rs => rs.map(r => r.cells[1].textContent));
    await page.click('#findings thead th:nth-child(4)');
    out.sorted_id = await page.$$eval('#findings tbody tr', rs => rs.map(r => r.cells[3].textContent));
    await page.click('#findings thead th:nth-child(4)');
    out.sorted_id_desc = await page.$$eval('#findings tbody tr', rs => rs.map(r => r.cells[3].textContent));
    await page.click('#findings thead th:nth-child(1)');
    await page.click('#findings thead th:nth-child(1)');
    await page.click('#findings thead th:nth-child(1)');
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


def main():
    if not shutil.which("node") or not shutil.which("npm"):
        print("SKIP: node/npm not installed")
        return 77
    if not os.access(CHROMIUM, os.X_OK):
        print("SKIP: %s not installed (apt-get install chromium)" % CHROMIUM)
        return 77
    if not os.path.isfile(REPORT):
        print("FAIL: %s missing (run the unit test test_report first)" % REPORT)
        return 1
    if not ensure_playwright():
        print("FAIL: could not install playwright-core into %s" % CACHE)
        return 1
    os.makedirs(os.path.dirname(SHOT), exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        js = os.path.join(tmp, "drive.js")
        with open(js, "w") as f:
            f.write(SCRIPT)
        env = dict(os.environ, NODE_PATH=os.path.join(CACHE, "node_modules"))
        r = subprocess.run(["node", js, CHROMIUM, "file://" + os.path.abspath(REPORT), SHOT],
                           capture_output=True, text=True, timeout=300, env=env)
    if r.returncode != 0:
        print(r.stdout, r.stderr)
        return 1
    out = json.loads(r.stdout)
    failures = []

    def check(cond, what):
        if not cond:
            failures.append(what)

    rows = out["rows"]
    check(len(rows) == 7, "7 finding rows, got %r" % rows)
    check(sorted(k.split()[0] for k in rows) ==
          sorted(["unmanaged", "missing", "missing", "changed", "changed", "changed", "ignored"]),
          "row kinds %r" % rows)
    check(out["count_text"] == "7 of 7 shown", "count text %r" % out["count_text"])
    check(out["svg"] == 1, "one inline svg")
    check("changed: sg-0c3 & web" in out["svg_text"], "svg text %r" % out["svg_text"])
    check("6 drifted" in out["verdict"], "verdict %r" % out["verdict"])
    check(sorted(out["after_kind"]) == ["changed db-main", "changed sg-0c3", "changed vpc-0a1"],
          "kind filter %r" % out["after_kind"])
    check(out["after_kind_type"] == ["changed vpc-0a1"], "kind+type filter %r" % out["after_kind_type"])
    check(out["after_text"] == ["changed sg-0c3"], "text filter %r" % out["after_text"])
    check(out["none_hidden"] is True and out["none_hidden_empty"] is False, "'no findings match' note")
    check(out["sorted_sev"][0] == "high", "severity sort puts high first: %r" % out["sorted_sev"])
    check(out["sorted_id"] == sorted(out["sorted_id"]), "id sort ascending %r" % out["sorted_id"])
    check(out["sorted_id_desc"] == sorted(out["sorted_id"], reverse=True), "id sort descending")
    check(not out["errors"], "page errors %r" % out["errors"])
    check(not out["requests"], "network requests %r" % out["requests"])
    check(os.path.getsize(SHOT) > 10000, "screenshot written")
    for f in failures:
        print("FAIL:", f)
    if failures:
        return 1
    print("html report: %d rows, svg inline, filters and sorting work; screenshot %s" % (len(rows), SHOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
