"""Open the built documentation site in headless Chromium and check it.

Loads four pages (the index, the API page of JEPATransformer, the user guide
and one gallery example), fails on any console error, page error, failed
request or broken internal link (a missing page or a missing ``#anchor``),
and saves a full-page screenshot of each for a person to look at.

    python .ci/check_site.py docs/_build/html docs/_build/screenshots

Needs the ``playwright`` Python package and a Chromium binary (Debian:
``apt-get install -y chromium``; playwright's own browser download is not
used). Without a Chromium binary it says so and exits 2.
"""

import functools
import http.server
import re
import shutil
import sys
import threading
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag

PAGES = [
    "index.html",
    "generated/sklearn_jepa.JEPATransformer.html",
    "guide.html",
    "auto_examples/plot_aeon_time_series.html",
]


class _Ids(HTMLParser):
    """Every ``id`` (and legacy ``name``) in a page: the anchors links may target."""

    def __init__(self):
        super().__init__()
        self.ids = set()

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            if key in ("id", "name") and value:
                self.ids.add(value)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _serve(root):
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _anchors(url, cache):
    page = urldefrag(url)[0]
    if page not in cache:
        try:
            with urllib.request.urlopen(page) as response:
                parser = _Ids()
                parser.feed(response.read().decode("utf-8", "replace"))
                cache[page] = parser.ids
        except OSError:
            cache[page] = None
    return cache[page]


def check(root, shots):
    from playwright.sync_api import sync_playwright

    binary = _chromium()
    if binary is None:
        print("check_site: no Chromium binary (apt-get install -y chromium)")
        return 2
    shots.mkdir(parents=True, exist_ok=True)
    server = _serve(root)
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    problems, cache, checked = [], {}, set()
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=binary,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for name in PAGES:
            # a fresh page per URL: its listeners see that page only
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            errors = []
            page.on(
                "console",
                lambda m, e=errors: (
                    e.append(f"console {m.type}: {m.text}")
                    if m.type == "error"
                    else None
                ),
            )
            page.on("pageerror", lambda exc, e=errors: e.append(f"page error: {exc}"))
            page.on(
                "requestfailed",
                lambda r, e=errors: (
                    e.append(f"request failed: {r.url}")
                    if r.url.startswith(base)
                    else None
                ),
            )
            response = page.goto(base + name, wait_until="networkidle")
            if response is None or response.status != 200:
                errors.append(f"status {getattr(response, 'status', None)}")
            shot = shots / (re.sub(r"\W", "_", name) + ".png")
            page.screenshot(path=str(shot), full_page=True)
            hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
            for href in hrefs:
                if not href.startswith(base) or href in checked:
                    continue
                checked.add(href)
                target, fragment = urldefrag(href)
                ids = _anchors(target, cache)
                if ids is None:
                    errors.append(f"broken link: {href}")
                elif fragment and fragment not in ids:
                    errors.append(f"missing anchor: {href}")
            page.close()
            problems += [f"{name}: {e}" for e in errors]
            print(f"check_site: {name}: {len(errors)} problem(s), {len(hrefs)} links")
        browser.close()
    server.shutdown()
    for problem in problems:
        print("  " + problem)
    print(f"check_site: screenshots in {shots}")
    return 1 if problems else 0


if __name__ == "__main__":
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/_build/html")
    shots = Path(sys.argv[2] if len(sys.argv) > 2 else root.parent / "screenshots")
    if not (root / "index.html").exists():
        sys.exit(f"check_site: no built site in {root} (build it with sphinx first)")
    sys.exit(check(root, shots))
