"""Notebook housekeeping for authors: clean, execute in place, and time the series.

Its job ends at the .ipynb file: what the cells teach is the notebooks' business, and the student
copies are made in `student.py`. Cleaning keeps exactly what a reader on the web needs (sources and
outputs, plots included) and drops what changes from run to run or machine to machine.
"""

from __future__ import annotations

import copy
import html
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from tqdm import tqdm

from bertlib.errors import BertlibInputError, decode_utf8, parse_json

#: Cell metadata worth keeping: tags drive nbval, the student copies and the timing report.
KEPT_CELL_METADATA = ("tags", "slideshow")  # slideshow: presenter mode (RISE) slide types
#: Cells tagged like this may take longer than CELL_SECONDS_LIMIT (they train a model).
TRAINING_TAG = "training"
CELL_SECONDS_LIMIT = 5.0
NOTEBOOK_SECONDS_LIMIT = 60.0
#: Absolute paths that would leak the author's machine into a committed notebook.
ABSOLUTE_PATH = re.compile(r"(?<![\w.])/(?:root|home|work|tmp|Users|private)/")
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
#: Where a notebook keeps its widgets' last state (JupyterLab saves it there, and so does `execute_notebook`
#: before cleaning), and the output key that shows one widget.
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
#: The bar in the middle of a tqdm.auto progress bar (an HBox: description and percentage, bar, counts and times).
PROGRESS_MODELS = ("FloatProgressModel", "IntProgressModel")
#: tqdm's own layout without the elapsed and remaining time and the rate, which change from run to run:
#: "pre-training: 100%|██████████| 800/800".
PROGRESS_FORMAT = "{l_bar}{bar}| {n_fmt}/{total_fmt}"


def notebook_paths(folder: str | Path) -> list[Path]:
    """The series, in order: every `NN_*.ipynb` in `folder`, sorted by name."""
    if not Path(folder).is_dir():
        raise FileNotFoundError(f"{folder} is not a folder; give the folder that holds the notebooks (notebooks/).")
    paths = sorted(Path(folder).glob("[0-9][0-9]_*.ipynb"))
    if not paths:
        raise FileNotFoundError(f"No notebooks named like 00_start.ipynb in {folder}.")
    return paths


def read_notebook(path: str | Path) -> nbformat.NotebookNode:
    """A notebook file, as nbformat 4. A file that is not one (empty, not UTF-8, not JSON, JSON of
    another shape, or an nbformat other than 4) is an error naming the file, what is wrong and the fix."""
    path = Path(path)
    if path.is_dir():
        raise BertlibInputError(f"{path} is a folder, not a notebook file; give the .ipynb file itself")
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist; check the notebook's path")
    data = path.read_bytes()
    fix = "restore it from git (`git checkout -- FILE`) or re-save it from Jupyter"
    if not data.strip():
        raise BertlibInputError(f"{path} is empty, so it is not a notebook; {fix}")
    text = decode_utf8(data, path, f"it is not a notebook, so {fix}")
    raw = parse_json(text, path, f"it is not a notebook, so {fix}")
    if not isinstance(raw, dict) or "cells" not in raw or "nbformat" not in raw:
        raise BertlibInputError(
            f"{path} is JSON but not a notebook (a notebook is an object with 'cells' and 'nbformat'); {fix}"
        )
    if raw["nbformat"] != 4:
        raise BertlibInputError(
            f"{path} is nbformat {raw['nbformat']!r}; bertlib reads nbformat 4 notebooks: "
            "open it in Jupyter and save it, which converts it"
        )
    try:
        notebook = nbformat.reads(text, as_version=4)
        nbformat.validate(notebook)
    except Exception as error:  # nbformat's ValidationError and friends: any means the same to a reader
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise BertlibInputError(f"{path} is not a valid nbformat 4 notebook ({first}); {fix}") from None
    return notebook


def clean_notebook(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy with per-run metadata, widget state and execution timings removed, and every tqdm.auto
    progress bar's text in its last state (`finish_progress_bars`), read from that widget state first."""
    notebook = copy.deepcopy(notebook)
    # language_info carries the Python patch version and widget state carries random model ids.
    kept = {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}}
    if "rise" in notebook.metadata:  # presenter mode's settings (theme, slide size): see course/slides.py
        kept["rise"] = notebook.metadata["rise"]
    finish_progress_bars(notebook)  # reads the widget state that the next line drops
    notebook.metadata = nbformat.from_dict(kept)
    for index, cell in enumerate(notebook.cells):
        cell.metadata = nbformat.from_dict(
            {key: cell.metadata[key] for key in KEPT_CELL_METADATA if key in cell.metadata}
        )
        cell.pop("id", None)
        cell["id"] = f"cell-{index:03d}"  # stable ids: no random churn in diffs
    return notebook


def widget_states(notebook: nbformat.NotebookNode) -> dict[str, dict]:
    """Each widget's last state (model id -> its traits), from the notebook's widget metadata; {} if none."""
    saved = notebook.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    return {model_id: entry.get("state", {}) for model_id, entry in saved.items()}


def _html_text(state: dict) -> str:
    # tqdm writes its texts HTML-escaped, with figure spaces (U+2007) to keep the columns aligned.
    return html.unescape(str(state.get("value", ""))).replace("\u2007", " ").strip()


def _whole(number: float) -> float | int:
    # A progress bar's value and max are floats (300.0); tqdm prints whole numbers without ".0".
    return int(number) if float(number).is_integer() else number


def progress_bar_text(model_id: str, states: dict[str, dict]) -> str | None:
    """The text of the tqdm.auto progress bar shown by widget `model_id`, in its last state and without
    times or rates ("pre-training: 100%|██████████| 800/800"); None if that widget is no tqdm bar.

    A notebook's output keeps the text of the bar's FIRST state ("0/800 [00:00<?, ?it/s]"), printed when
    the bar appeared; the bar's widgets hold its last one: the description and percentage (left HTML),
    the progress bar's value and max, and the counts and times (right HTML).
    """
    box = states.get(model_id, {})
    parts = [states.get(str(child).removeprefix("IPY_MODEL_"), {}) for child in box.get("children", [])]
    kinds = [part.get("_model_name") for part in parts]
    if box.get("_model_name") != "HBoxModel" or len(parts) != 3:
        return None
    if kinds[0] != "HTMLModel" or kinds[1] not in PROGRESS_MODELS or kinds[2] != "HTMLModel":
        return None
    left, bar, right = parts
    description = re.sub(r"\s*\d+%$", "", _html_text(left)).removesuffix(":")  # "desc: 100%" -> "desc"
    counts = _html_text(right).split("[")[0].strip()  # "800/800 [00:41<00:00, 19.3it/s]" -> "800/800"
    value, total = bar.get("value", 0), bar.get("max", 0)
    if not re.fullmatch(r"\d+(\.\d+)?/\d+(\.\d+)?", counts) or not total:  # no total known: "123it"
        return f"{description}: {counts}" if description else counts
    return tqdm.format_meter(_whole(value), _whole(total), 0, prefix=description, bar_format=PROGRESS_FORMAT)


def finish_progress_bars(notebook: nbformat.NotebookNode) -> None:
    """Show every tqdm.auto bar of `notebook` (in place) in its last state, read from the widget state,
    so that a saved notebook (and the site made from it) shows how far each run went, without times."""
    states = widget_states(notebook)
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_VIEW)
            text = progress_bar_text(str(view.get("model_id", "")), states) if isinstance(view, dict) else None
            if text is not None:
                output.data["text/plain"] = text


def problems(notebook: nbformat.NotebookNode) -> list[str]:
    """Why a committed notebook is not clean; an empty list means it is."""
    found = []
    if clean_notebook(notebook) != notebook:
        found.append("it carries per-run metadata: run `python -m bertlib.course clean` on it")
    text = nbformat.writes(notebook)
    if "application/vnd.jupyter.widget-state+json" in text:
        found.append("it carries a widget-state blob")
    for match in ABSOLUTE_PATH.finditer(text):
        found.append(f"it contains an absolute path near {text[match.start() : match.start() + 40]!r}")
    code_cells = [c for c in notebook.cells if c.cell_type == "code" and c.source.strip()]
    if code_cells and not any(c.outputs for c in code_cells):
        found.append("it has no outputs, so nbval would compare nothing")
    return found


@dataclass
class CellTiming:
    """How long one code cell took to run, and whether it may take longer than the per-cell limit."""

    index: int  # position of the cell in the notebook
    seconds: float
    is_training: bool  # tagged "training": exempt from the per-cell limit
    first_line: str


@dataclass
class ExecutionReport:
    """The timings of one notebook's run, cell by cell; it reports slowness but never fails."""

    path: Path
    cells: list[CellTiming] = field(default_factory=list)

    @property
    def total_seconds(self) -> float:
        """The time of all code cells together."""
        return sum(cell.seconds for cell in self.cells)

    @property
    def slow_cells(self) -> list[CellTiming]:
        """The cells over CELL_SECONDS_LIMIT, except those tagged "training"."""
        return [c for c in self.cells if c.seconds > CELL_SECONDS_LIMIT and not c.is_training]

    def summary(self) -> str:
        """A few lines to print: the total, the three slowest cells, and every limit exceeded."""
        lines = [f"{self.path.name}: {self.total_seconds:.1f} s over {len(self.cells)} code cells"]
        for cell in sorted(self.cells, key=lambda c: -c.seconds)[:3]:
            mark = " [training]" if cell.is_training else ""
            lines.append(f"    cell {cell.index:3d}: {cell.seconds:5.1f} s{mark}  {cell.first_line[:60]}")
        for cell in self.slow_cells:
            lines.append(f"    SLOW: cell {cell.index} takes {cell.seconds:.1f} s > {CELL_SECONDS_LIMIT} s")
        if self.total_seconds > NOTEBOOK_SECONDS_LIMIT:
            lines.append(f"    SLOW: the notebook takes more than {NOTEBOOK_SECONDS_LIMIT:.0f} s")
        return "\n".join(lines)


def execute_notebook(path: Path, *, save: bool, timeout: int = 600) -> ExecutionReport:
    """Run every cell in a fresh kernel (working directory: the notebook's folder), timing each.

    With `save=True` the executed, cleaned notebook replaces the file: this is how outputs are made.
    """
    from nbclient import NotebookClient  # imported here: only authors need a kernel

    notebook = read_notebook(path)
    client = NotebookClient(
        notebook, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    report = ExecutionReport(path=path)
    with client.setup_kernel():
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type != "code":
                continue
            start = time.perf_counter()
            client.execute_cell(cell, index)
            report.cells.append(
                CellTiming(
                    index=index,
                    seconds=time.perf_counter() - start,
                    is_training=TRAINING_TAG in cell.metadata.get("tags", []),
                    first_line=cell.source.strip().splitlines()[0] if cell.source.strip() else "",
                )
            )
    client.set_widgets_metadata()  # the widgets' last state, where clean_notebook reads the progress bars
    if save:
        nbformat.write(clean_notebook(notebook), path)
    return report
