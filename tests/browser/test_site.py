"""Real-browser test of the reading-room site: every page renders offline, with its maths typeset.

The site is built into a temp folder and served on 127.0.0.1 by a local HTTP server thread. Headless
Debian chromium (the `page` fixture of conftest.py) opens the landing pages and every notebook page,
with every request outside 127.0.0.1 blocked and counted: the count must be 0. On each page MathJax
must have typeset the maths (its output elements are there, and no `$...$` is left in the text), and every
link to a local page must answer 200. A screenshot of one page goes to artifacts/browser/.
"""

from __future__ import annotations

import functools
import re
import threading
import urllib.error
import urllib.request
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urldefrag, urlparse

import pytest

from bertlib.course.site import build_site
from tests.browser.lab import ARTIFACTS, ROOT

pytestmark = pytest.mark.slow

#: TeX that MathJax should have turned into maths: $...$ or $$...$$ on one line.
RAW_TEX = re.compile(r"\$\$?[^$\n]+\$\$?")
MATH_OUTPUT = ".MathJax, .MathJax_Display"  # MathJax 2's HTML-CSS output


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        pass


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # chromium drops a download when it moves to the next page: a broken pipe, not a failure


@pytest.fixture(scope="module")
def site_url(tmp_path_factory):
    root = build_site(ROOT / "notebooks", tmp_path_factory.mktemp("site") / "site").root
    server = QuietServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def site_pages(url: str) -> list[str]:
    """The landing pages and every notebook page, from the landing pages' own links."""
    found = [f"{url}/index.html", f"{url}/student/index.html"]
    for index in list(found):
        text = urllib.request.urlopen(index, timeout=10).read().decode()
        for href in re.findall(r'href="([^"#]+\.html)"', text):
            page = urllib.parse.urljoin(index, href)
            if page not in found:
                found.append(page)
    return found


def wait_for_maths(page) -> None:
    page.wait_for_function("document.documentElement.getAttribute('data-mathjax') === 'done'", timeout=60_000)


def check_links(page, url: str, checked: dict[str, int]) -> list[str]:
    """Every <a href> to a page of this site answers 200 (each URL fetched once)."""
    broken = []
    for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
        target, _ = urldefrag(href)
        if urlparse(target).hostname != "127.0.0.1":
            continue
        if target not in checked:
            try:
                checked[target] = urllib.request.urlopen(target, timeout=10).status
            except urllib.error.HTTPError as error:
                checked[target] = error.code
        if checked[target] != 200:
            broken.append(f"{page.url} -> {href} ({checked[target]})")
    return broken


def test_every_page_renders_offline_with_maths_and_no_broken_link(page, external_requests, site_url):
    # `page` first: without chromium the test skips (or fails in CI) before spending time on a build.
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pages = site_pages(site_url)
    assert len(pages) >= 22, f"expected 2 landing pages and 20 notebook pages, found {len(pages)}"
    checked: dict[str, int] = {}
    broken, raw, untypeset = [], [], []
    for url in pages:
        response = page.goto(url, wait_until="load")
        assert response is not None and response.status == 200, url
        wait_for_maths(page)
        assert page.locator("nav.bertlib-site-nav").count() >= 1, f"{url} has no navigation"
        text = page.eval_on_selector_all(
            ".jp-RenderedMarkdown, main > p, td", "els => els.map(e => e.innerText).join('\\n')"
        )
        raw += [f"{url}: {m}" for m in RAW_TEX.findall(text)]
        source = urllib.request.urlopen(url, timeout=10).read().decode()
        has_tex = bool(re.search(r"\$[^$\n]+\$", re.sub(r"<pre.*?</pre>", "", source, flags=re.DOTALL)))
        if has_tex and page.locator(MATH_OUTPUT).count() == 0:
            untypeset.append(url)
        broken += check_links(page, site_url, checked)
        assert "Loading widget" not in page.inner_text("body"), url
        if url.endswith("03_queries_keys_softmax.html") and "/notebooks/" in url:
            page.screenshot(path=str(ARTIFACTS / "site_03.png"), full_page=False)
        if url == f"{site_url}/index.html":
            page.screenshot(path=str(ARTIFACTS / "site_index.png"), full_page=False)
    assert untypeset == [], "MathJax produced no output on these pages"
    assert raw == [], "raw TeX left in the rendered text"
    assert broken == []
    assert len(checked) >= 22
    assert external_requests == [], f"{len(external_requests)} requests outside 127.0.0.1: {external_requests[:5]}"
