"""The reading room: the series as an offline static website, built from the saved notebooks.

    python3 course.py site                     # -> build/site/index.html
    python -m bertlib.course site notebooks/ --out build/site/

`build_site` turns every notebook into a page with nbconvert's HTMLExporter (JupyterLab's look),
through a template of ours that loads nothing from a network: no require.js, no widget manager, no
mermaid, and MathJax from a copy inside the site (the MathJax 2.7 that the `jupyter-server-mathjax`
package ships). Pages show the SAVED outputs, never re-executed. Interactive views show their static
fallback (the picture as last drawn, with its alt text, and the text twin), never a "Loading widget"
placeholder. Every picture gets alt text: the description a figure carries
(`bertlib.viz.describe`), or, for an output saved without one, words made from its cell.

The site has a landing page (the series table), the notebooks with their outputs under
`notebooks/`, and the student copies (`python -m bertlib.course student`: exercises blanked, no
outputs) under `student/`. Every page links home, to the previous and to the next page. Its job
ends at writing HTML: what the notebooks say is theirs.
"""

from __future__ import annotations

import copy
import html
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from jinja2 import DictLoader

from bertlib.course.notebooks import notebook_paths, read_notebook
from bertlib.course.student import write_student_copies
from bertlib.errors import BertlibInputError

#: A file in every site this module builds: its presence lets a rebuild replace the folder.
MARKER = ".bertlib-site"
WIDGET_MIMETYPES = ("application/vnd.jupyter.widget-view+json", "application/vnd.jupyter.widget-state+json")
#: Outputs a page never runs: scripts would need a kernel or fetch things (widgets, require.js).
DROPPED_MIMETYPES = (*WIDGET_MIMETYPES, "application/javascript")
#: What matplotlib calls a figure when nobody described it: useless as alt text.
BARE_FIGURE_TEXT = re.compile(r"^<(Figure|matplotlib\.figure\.Figure) size [^>]*>$")
SERIES_LINK = re.compile(r"\]\((\d\d_[\w-]+)\.ipynb")
TITLE_ARGUMENT = re.compile(r"""(?:title|suptitle)\s*[=(]\s*["']([^"'{}]+)["']""")


@dataclass
class SitePage:
    """One page of the site: where it is, what it is called, and the notebook it came from."""

    path: str  # relative to the site's root, e.g. "notebooks/03_queries_keys_softmax.html"
    title: str  # "03 · Queries, keys and softmax"
    source: Path  # the notebook it is made from
    summary_html: str = ""  # the notebook's first paragraph, for the landing page


@dataclass
class SiteReport:
    """What `build_site` wrote."""

    root: Path  # the site's folder; open root / "index.html"
    pages: list[SitePage] = field(default_factory=list)  # the notebooks, with their outputs
    student_pages: list[SitePage] = field(default_factory=list)  # the student copies
    images: int = 0  # pictures written, every one with alt text

    @property
    def index(self) -> Path:
        """The landing page."""
        return self.root / "index.html"

    def summary(self) -> str:
        """One line for the command line: where the site is and what it holds."""
        return (
            f"{self.index}: {len(self.pages)} notebooks, {len(self.student_pages)} student copies, "
            f"{self.images} pictures with alt text"
        )


# -- preparing a notebook ------------------------------------------------------------------------


def notebook_title(notebook: nbformat.NotebookNode, fallback: str) -> str:
    """The first `# heading` of the notebook's markdown, else `fallback` (its file name)."""
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            match = re.search(r"^#\s+(.+)$", cell.source, flags=re.MULTILINE)
            if match:
                return match.group(1).strip()
    return fallback


def notebook_summary(notebook: nbformat.NotebookNode) -> str:
    """The first paragraph after the title (with what it announces, if it ends with a colon): what the
    notebook teaches, in its own words (markdown)."""
    for cell in notebook.cells:
        if cell.cell_type != "markdown" or not re.search(r"^#\s", cell.source, flags=re.MULTILINE):
            continue
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", cell.source)]
        body = [p for p in paragraphs if p and not p.startswith("#")]
        kept = body[:1]
        while kept and kept[-1].endswith(":") and len(kept) < len(body):  # "...three learned matrices:"
            kept.append(body[len(kept)])  # the list or formula it announces belongs to it
        return "\n\n".join(kept)
    return ""


def _section_headings(notebook: nbformat.NotebookNode) -> list[str]:
    """For every cell, the last markdown heading above it (or "" before the first)."""
    headings, current = [], ""
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            found = re.findall(r"^#+\s+(.+)$", cell.source, flags=re.MULTILINE)
            current = found[-1].strip() if found else current
        headings.append(current)
    return headings


def fallback_alt(source: str, heading: str, number: int) -> str:
    """Alt text for a picture saved without a description: its titles in the code, and its section."""
    titles = list(dict.fromkeys(TITLE_ARGUMENT.findall(source)))
    words = f"Figure {number}"
    if titles:
        words += ": " + "; ".join(titles)
    if heading:
        words += f" (section “{heading}”)"
    return words + ", drawn by the code cell above."


def prepare_notebook(notebook: nbformat.NotebookNode) -> tuple[nbformat.NotebookNode, int]:
    """A copy ready for a static page, and the number of pictures in it.

    Widget and script outputs are dropped so that their static fallbacks show; every picture gets
    `metadata[mime]["alt"]` (its saved description, or `fallback_alt`), and a `bertlib_twin` text
    when its text/plain says more than the alt text (a view's table); links to other notebooks of
    the series point at their pages.
    """
    notebook = copy.deepcopy(notebook)
    notebook.metadata.pop("widgets", None)
    headings = _section_headings(notebook)
    pictures = 0
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "markdown":
            cell.source = SERIES_LINK.sub(r"](\1.html", cell.source)
            continue
        if cell.cell_type != "code":
            continue
        kept = []
        for output in cell.outputs:
            data = output.get("data")
            if data is None:
                kept.append(output)
                continue
            for mimetype in DROPPED_MIMETYPES:
                data.pop(mimetype, None)
            if not data:
                continue  # nothing static to show (a widget that saved no fallback)
            for mimetype in ("image/png", "image/jpeg", "image/svg+xml"):
                if mimetype in data:
                    pictures += 1
                    _give_alt(output, mimetype, cell.source, headings[index], pictures)
            kept.append(output)
        cell.outputs = kept
    return notebook, pictures


def _give_alt(output, mimetype: str, source: str, heading: str, number: int) -> None:
    metadata = output.setdefault("metadata", {})
    image_metadata = metadata.setdefault(mimetype, {})
    text = output["data"].get("text/plain", "")
    text = "".join(text) if isinstance(text, list) else text
    alt = str(image_metadata.get("alt", "")).strip()
    if not alt:
        alt = fallback_alt(source, heading, number)
    image_metadata["alt"] = alt
    if text.strip() and text.strip() != alt and not BARE_FIGURE_TEXT.match(text.strip()):
        metadata["bertlib_twin"] = text  # a view's table: shown under the picture, as text


# -- the template ---------------------------------------------------------------------------------

#: Loads MathJax from inside the site and typesets $...$ and $$...$$ with its STIX web fonts, which
#: are inside the site too. The combined "-full" configuration holds the TeX input and the HTML-CSS
#: output code (jupyter-server-mathjax ships those only in that form).
MATHJAX_HTML = """
<link rel="icon" href="data:,">
<script type="text/x-mathjax-config">
MathJax.Hub.Config({
  tex2jax: {inlineMath: [["$", "$"], ["\\\\(", "\\\\)"]], displayMath: [["$$", "$$"], ["\\\\[", "\\\\]"]],
            processEscapes: true, processEnvironments: true},
  TeX: {extensions: ["AMSmath.js", "AMSsymbols.js", "noErrors.js", "noUndefined.js"]},
  "HTML-CSS": {availableFonts: [], preferredFont: null, webFont: "STIX-Web", imageFont: null,
               linebreaks: {automatic: true}},
  MMLorHTML: {prefer: "HTML"},
  showMathMenu: false, messageStyle: "none"
});
MathJax.Hub.Queue(function () { document.documentElement.setAttribute("data-mathjax", "done"); });
</script>
<script src="{{ root }}assets/mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full"></script>
"""

SITE_CSS = """
.bertlib-site-nav { display: flex; gap: 1.5em; flex-wrap: wrap; align-items: baseline; max-width: 1100px;
  margin: 0 auto; padding: 10px 16px; font-family: var(--jp-ui-font-family, sans-serif); font-size: 14px;
  background: var(--jp-layout-color1, #fff); color: var(--jp-ui-font-color1, #212529);
  border-bottom: 1px solid var(--jp-border-color2, #dee2e6); }
.bertlib-site-nav a { color: #0b5cad; }
.bertlib-site-nav .bertlib-site-where { margin-left: auto; color: #495057; }
main { max-width: 1100px; margin: 0 auto; }
.bertlib-text-twin { display: block; margin: 4px 0 8px 0; font-size: 13px; text-align: left;
  font-family: var(--jp-ui-font-family, sans-serif); }
.bertlib-text-twin summary { cursor: pointer; }
.bertlib-text-twin pre { white-space: pre; overflow-x: auto; font-family: var(--jp-code-font-family, monospace); }
"""


def _image_block(kind: str, mimetype: str, css_class: str, *, data_filter: str = "", twin: bool = False) -> str:
    """The page template's block for one kind of image output: nbconvert's own, plus the alt text
    that `prepare_notebook` gave it (and, with `twin`, the picture's numbers as text beneath it)."""
    twin_html = (
        "{%- if output.metadata.get('bertlib_twin') %}\n"
        '<details class="bertlib-text-twin"><summary>The picture as text (its numbers)</summary>\n'
        "<pre>{{ output.metadata['bertlib_twin'] | escape_html }}</pre></details>\n"
        "{%- endif %}\n"
    )
    return (
        f"{{% block data_{kind} scoped %}}\n"
        f'<div class="{css_class} jp-OutputArea-output {{{{ extra_class }}}}">\n'
        f"<img src=\"data:{mimetype};base64,{{{{ output.data['{mimetype}']{data_filter} | escape_html }}}}\"\n"
        f"     alt=\"{{{{ output.metadata['{mimetype}']['alt'] | escape_html }}}}\">\n"
        f"{twin_html if twin else ''}</div>\n"
        f"{{%- endblock data_{kind} %}}\n"
    )


PAGE_TEMPLATE = (
    r"""{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_js_mathjax -%}"""
    + MATHJAX_HTML.replace("{{ root }}", "{{ resources.site.root }}")
    + r"""
{%- endblock html_head_js_mathjax -%}
{% block extra_css %}<style type="text/css">"""
    + SITE_CSS
    + r"""</style>{% endblock extra_css %}
{%- block body_header -%}
<body class="jp-Notebook" data-jp-theme-light="true" data-jp-theme-name="JupyterLab Light">
{{ resources.site.nav }}
<main>
{%- endblock body_header -%}
{% block body_footer %}
</main>
{{ resources.site.nav }}
</body>
{% endblock body_footer %}
"""
    + _image_block("png", "image/png", "jp-RenderedImage", twin=True)
    + _image_block("jpg", "image/jpeg", "jp-RenderedImage")
    + _image_block("svg", "image/svg+xml", "jp-RenderedSVG", data_filter=" | text_base64")
    + """"""
)

LANDING_TEMPLATE = (
    """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{{ title }}</title>
<style type="text/css">
body { font-family: sans-serif; color: #212529; background: #ffffff; margin: 0; line-height: 1.5; }
"""
    + SITE_CSS
    + """
main { padding: 0 16px 32px 16px; }
table.bertlib-series { border-collapse: collapse; width: 100%; }
table.bertlib-series th, table.bertlib-series td { text-align: left; vertical-align: top; padding: 8px;
  border-bottom: 1px solid #dee2e6; }
table.bertlib-series td p { margin: 0; }
a { color: #0b5cad; }
</style>
"""
    + MATHJAX_HTML
    + """
</head>
<body>
{{ nav }}
<main>
<h1>{{ title }}</h1>
{{ intro }}
<table class="bertlib-series">
<caption style="text-align: left; padding: 8px 0;">{{ caption }}</caption>
<thead><tr><th scope="col">notebook</th><th scope="col">what it teaches</th>
{%- if student %}<th scope="col">student copy</th>{% endif %}</tr></thead>
<tbody>
{% for row in rows %}<tr><td><a href="{{ row.href }}">{{ row.title }}</a></td><td>{{ row.summary }}</td>
{%- if student %}<td><a href="{{ row.student_href }}">{{ row.student_label }}</a></td>{% endif %}</tr>
{% endfor %}</tbody>
</table>
{{ outro }}
</main>
{{ nav }}
</body>
</html>
"""
)


def nav_html(
    root: str,
    previous: SitePage | None,
    following: SitePage | None,
    where: str,
    home: str = "index.html",
    ends: bool = True,
) -> str:
    """Home, previous and next, as a labelled navigation landmark (top and bottom of each page);
    `ends` says "first page" / "last page" where there is no previous / next page."""

    def link(page: SitePage | None, rel: str, arrow: str) -> str:
        if page is None:
            end = "first page" if rel == "prev" else "last page"
            return f"<span class='bertlib-site-{rel}'>{end}</span>" if ends else ""
        label = f"← {page.title}" if rel == "prev" else f"{page.title} →"
        return f"<a rel='{rel}' class='bertlib-site-{rel}' href='{root}{page.path}'>{html.escape(label)}</a>"

    return (
        f"<nav class='bertlib-site-nav' aria-label='Course pages'>"
        f"<a rel='home' class='bertlib-site-home' href='{root}{home}'>Home: the series</a>"
        f"{link(previous, 'prev', '←')}{link(following, 'next', '→')}"
        f"<span class='bertlib-site-where'>{html.escape(where)}</span></nav>"
    )


def _exporter():
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="lab",
        extra_loaders=[DictLoader({"bertlib_site.html.j2": PAGE_TEMPLATE})],
        template_file="bertlib_site.html.j2",
    )
    exporter.exclude_anchor_links = True  # the pilcrow links ("#heading") that lab's CSS hides anyway
    return exporter


# -- building -------------------------------------------------------------------------------------


def mathjax_folder() -> Path:
    """The MathJax 2.7 files that `jupyter-server-mathjax` ships (MathJax.js, jax/, extensions/)."""
    try:
        import jupyter_server_mathjax
    except ImportError:
        raise BertlibInputError(
            "The site needs the jupyter-server-mathjax package for offline maths; install it "
            "with `python3 course.py setup`."
        ) from None
    folder = Path(jupyter_server_mathjax.__file__).parent / "static"
    if not (folder / "MathJax.js").exists():
        raise BertlibInputError(
            f"{folder} holds no MathJax.js: reinstall jupyter-server-mathjax (`python3 course.py setup`)."
        )
    return folder


def prepare_out(out: Path) -> None:
    """Empty `out` for a new build; refuse a folder that holds anything but an earlier site."""
    if out.exists():
        if not out.is_dir():
            raise BertlibInputError(f"--out {out} is a file; give a folder for the site (e.g. build/site/).")
        if any(out.iterdir()) and not (out / MARKER).exists():
            raise BertlibInputError(
                f"--out {out} is not empty and holds no earlier site (no {MARKER} file); "
                "give an empty or new folder, so that nothing else is deleted."
            )
        shutil.rmtree(out)
    try:
        out.mkdir(parents=True)
        (out / MARKER).write_text("Built by `python -m bertlib.course site`; a rebuild deletes this folder.\n")
    except OSError as error:
        raise BertlibInputError(
            f"could not make --out {out} ({error.strerror}); choose a folder you can write to, on a disk with "
            "free space (e.g. build/site/)."
        ) from error


def check_sources_outside(paths: list[Path], out: Path) -> None:
    """Refuse an --out that holds a source notebook: building empties --out first, which would
    delete the very notebooks the site is made from (by any path or link to them)."""
    root = out.resolve()
    for path in paths:
        if root == path.resolve() or root in path.resolve().parents:
            raise BertlibInputError(
                f"--out {out} holds the notebook {path} that the site is built from; building empties --out "
                "first, which would delete it. Choose an --out outside the notebooks folder, e.g. build/site/."
            )


def _pages(paths: list[Path], folder: str, suffix: str = "") -> list[SitePage]:
    pages = []
    for path in paths:
        notebook = read_notebook(path)
        from nbconvert.filters.markdown_mistune import markdown2html_mistune

        summary = markdown2html_mistune(SERIES_LINK.sub(r"](\1.html", notebook_summary(notebook)))
        title = notebook_title(notebook, path.stem) + suffix
        pages.append(SitePage(f"{folder}/{path.stem}.html", title, path, summary))
    return pages


def _write_pages(pages: list[SitePage], out: Path, where: str, home: str) -> int:
    exporter = _exporter()
    pictures = 0
    for index, page in enumerate(pages):
        notebook, count = prepare_notebook(read_notebook(page.source))
        pictures += count
        previous = pages[index - 1] if index > 0 else None
        following = pages[index + 1] if index + 1 < len(pages) else None
        nav = nav_html("../", previous, following, f"{where}: page {index + 1} of {len(pages)}", home)
        notebook.metadata["title"] = page.title
        body, _ = exporter.from_notebook_node(notebook, resources={"site": {"root": "../", "nav": nav}})
        target = out / page.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body, encoding="utf-8")
    return pictures


def _landing_page(
    pages: list[SitePage],
    student_pages: list[SitePage],
    first: SitePage | None,
    title: str,
    intro: str,
    caption: str,
    root: str,
    home: str,
    outro: str = "",
) -> str:
    from jinja2 import Template

    rows = []
    for index, page in enumerate(pages):
        student = student_pages[index] if student_pages else None
        rows.append(
            {
                "href": f"{root}{page.path}",
                "title": page.title,
                "summary": page.summary_html,
                "student_href": f"{root}{student.path}" if student else "",
                "student_label": f"{page.title.split(' ')[0]} without solutions" if student else "",
            }
        )
    nav = nav_html(root, None, first, "the series", home, ends=False)
    return Template(LANDING_TEMPLATE).render(
        title=title,
        intro=intro,
        caption=caption,
        rows=rows,
        student=bool(student_pages),
        nav=nav,
        root=root,
        outro=outro,
    )


def build_site(notebooks: str | Path, out: str | Path, *, student: bool = True) -> SiteReport:
    """Build the site of the notebooks in `notebooks` into `out` (emptied first; see `prepare_out`)."""
    notebooks, out = Path(notebooks), Path(out)
    paths = notebook_paths(notebooks)
    check_sources_outside(paths, out)
    prepare_out(out)
    shutil.copytree(mathjax_folder(), out / "assets" / "mathjax")
    report = SiteReport(root=out, pages=_pages(paths, "notebooks"))
    report.images = _write_pages(report.pages, out, "the series", "index.html")
    if student:
        with tempfile.TemporaryDirectory(prefix="bertlib-student-") as folder:
            copies = [copy.target for copy in write_student_copies(notebooks, folder)]
            report.student_pages = _pages(copies, "student", " (student copy)")
            _write_pages(report.student_pages, out, "student copies", "index.html")
        intro = (
            "<p>The same notebooks as <code>python -m bertlib.course student</code> writes them: every "
            "exercise's solution is replaced by <code>raise NotImplementedError()</code>, and no cell has "
            "an output. Open the <code>.ipynb</code> copies in JupyterLab to work through them: "
            "&ldquo;Run All&rdquo; reaches the last cell even before you write anything, because the check "
            "after an unwritten exercise says so in one line and the notebook goes on with bertlib&rsquo;s "
            "version.</p>"
        )
        (out / "student" / "index.html").write_text(
            _landing_page(
                report.student_pages,
                [],
                report.student_pages[0],
                "Student copies",
                intro,
                "The series, without solutions",
                "../",
                "index.html",
                outro="<p><a href='../index.html'>Back to the series, with solutions and outputs</a></p>",
            ),
            encoding="utf-8",
        )
    intro = (
        "<p>The course's notebooks as they were saved, outputs included, to read without running anything. "
        "Everything on these pages is local: no page loads anything from a network.</p>"
    )
    outro = (
        "<p><a href='student/index.html'>Student copies</a>: the same notebooks with the exercises blanked.</p>"
        if student
        else ""
    )
    (out / "index.html").write_text(
        _landing_page(
            report.pages,
            report.student_pages,
            report.pages[0],
            "BERT, built from scratch",
            intro,
            "The series, in order",
            "",
            "index.html",
            outro=outro,
        ),
        encoding="utf-8",
    )
    return report
