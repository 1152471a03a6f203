"""A throw-away notebook that shows one attention view, for the browser tests of the widgets.

Running a whole course notebook to reach its view takes minutes; a two-cell notebook written into
the folder the `jupyter_lab` fixture serves builds the same view on the real MiniLM in seconds.
"""

from __future__ import annotations

import time
from pathlib import Path

import nbformat
import pytest

from tests.browser.lab import open_notebook, run_all_cells

#: The sentences the views offer; the third is the longest, for the dropdown's width.
SENTENCES = [
    "The dog ran after the cat.",
    "The cat sat on the mat because the cat was tired.",
    "She put the book on the shelf, and then she read the book again.",
]


def write_view_notebook(root: Path, name: str, view: str) -> str:
    """Write `name` into `root`: set-up, then `view` (e.g. "HeadView") on MiniLM; returns the name."""
    setup = "from bertlib.course import setup_notebook\n\nsetup_notebook()"
    build = (
        "from bertlib.model import BertModel\n"
        "from bertlib.paths import minilm_path\n"
        "from bertlib.tokenization import BertTokenizer\n"
        f"from bertlib.viz import {view}\n\n"
        "model = BertModel.from_pretrained(minilm_path())\n"
        "tokenizer = BertTokenizer.from_pretrained(minilm_path())\n"
        f"{view}(model, tokenizer, {SENTENCES!r})"
    )
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(setup), nbformat.v4.new_code_cell(build)])
    notebook.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    nbformat.write(notebook, root / name)
    return name


#: For a <select>: is its longest option's text narrower than the room the select gives it (its
#: inner width less the arrow's padding)? Measured with the select's own font on a canvas.
LONGEST_OPTION_FITS = """
select => {
  const style = getComputedStyle(select);
  const context = document.createElement('canvas').getContext('2d');
  context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
  const widest = Math.max(...[...select.options].map(o => context.measureText(o.text).width));
  const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return {widest, room, fits: widest <= room};
}
"""


def inside_viewport(box: dict | None, width: int, height: int) -> bool:
    """Is a playwright bounding box entirely inside a width × height viewport?"""
    return (
        box is not None
        and box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= width
        and box["y"] + box["height"] <= height
    )


def run_view_notebook(page, lab, name: str, view_selector: str, tries: int = 3) -> None:
    """Open `name`, run all its cells and wait for the view. Right after the kernel starts, Run All
    can be ignored (no cell gets an execution count); then it is asked again, as a student would."""
    open_notebook(page, lab, name)
    for _ in range(tries):
        run_all_cells(page, timeout_s=180)
        ran = page.eval_on_selector_all(".jp-InputPrompt", "els => els.filter(e => /\\d/.test(e.textContent)).length")
        if ran:
            page.locator(view_selector).first.wait_for(state="visible", timeout=120_000)
            return
        time.sleep(3)
    pytest.fail(f"Run All Cells never ran {name} in {tries} tries.")
