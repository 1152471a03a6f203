"""Saved progress bars show where each run ended, as tqdm prints it but with no time or rate.

A notebook's output keeps the text of a tqdm.auto bar's first state ("0/800 [00:00<?, ?it/s]");
`python -m bertlib.course run` rewrites it from the bar's widget state, which holds its last one.
"""

from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from bertlib.course.notebooks import clean_notebook, execute_notebook, progress_bar_text, read_notebook


def tqdm_widgets(left: str, value: float, total: float, right: str) -> dict[str, dict]:
    """The widget state tqdm.notebook leaves behind: an HBox of two HTMLs around a FloatProgress."""
    return {
        "box": {"_model_name": "HBoxModel", "children": ["IPY_MODEL_left", "IPY_MODEL_bar", "IPY_MODEL_right"]},
        "left": {"_model_name": "HTMLModel", "value": left},
        "bar": {"_model_name": "FloatProgressModel", "value": value, "max": total, "description": ""},
        "right": {"_model_name": "HTMLModel", "value": right},
    }


def test_a_finished_bar_shows_its_last_state_without_times():
    states = tqdm_widgets("pre-training:\u2007100%", 800.0, 800.0, "\u2007800/800\u2007[00:41&lt;00:00,\u200719.3it/s]")
    assert progress_bar_text("box", states) == "pre-training: 100%|██████████| 800/800"


def test_a_bar_stopped_early_shows_where_it_stopped():
    states = tqdm_widgets("\u200740%", 20.0, 50.0, "\u200720/50\u2007[00:01&lt;00:01,\u200720.0it/s]")
    assert progress_bar_text("box", states) == " 40%|████      | 20/50"


def test_a_bar_without_a_total_keeps_its_count():
    states = tqdm_widgets("steps", 1.0, 1.0, "\u2007123it\u2007[00:02,\u200761.5it/s]")
    assert progress_bar_text("box", states) == "steps: 123it"


def test_other_widgets_are_left_alone():
    states = tqdm_widgets("x:\u2007100%", 1.0, 1.0, "1/1")
    states["box"]["children"] = ["IPY_MODEL_left", "IPY_MODEL_right"]  # an HBox, but no bar in it
    assert progress_bar_text("box", states) is None
    assert progress_bar_text("left", states) is None
    assert progress_bar_text("missing", states) is None


def test_clean_notebook_rewrites_a_saved_bar_from_jupyterlabs_widget_state():
    states = tqdm_widgets("fine-tuning:\u2007100%", 300.0, 300.0, "\u2007300/300\u2007[00:06&lt;00:00,\u200745.2it/s]")
    cell = new_code_cell("for step in tqdm(range(300)): ...")
    view = {"version_major": 2, "version_minor": 0, "model_id": "box"}
    cell.outputs = [
        nbformat.from_dict(
            {
                "output_type": "display_data",
                "metadata": {},
                "data": {
                    "text/plain": "fine-tuning:   0%|          | 0/300 [00:00<?, ?it/s]",
                    "application/vnd.jupyter.widget-view+json": view,
                },
            }
        )
    ]
    notebook = new_notebook(cells=[cell])
    notebook.metadata["widgets"] = {
        "application/vnd.jupyter.widget-state+json": {
            "state": {model_id: {"model_name": s["_model_name"], "state": s} for model_id, s in states.items()},
            "version_major": 2,
            "version_minor": 0,
        }
    }
    cleaned = clean_notebook(notebook)
    assert cleaned.cells[0].outputs[0].data["text/plain"] == "fine-tuning: 100%|██████████| 300/300"
    assert "widgets" not in cleaned.metadata  # the state was read, then dropped
    assert clean_notebook(cleaned) == cleaned  # cleaning again changes nothing


def test_run_saves_a_tqdm_auto_loop_in_its_final_state(tmp_path):
    # A real kernel runs a real tqdm.auto loop (about 2 s): the widget state nbclient collects is what is read.
    path = tmp_path / "tiny.ipynb"
    source = "from tqdm.auto import tqdm\n\nfor step in tqdm(range(800), desc='pre-training'):\n    pass\nprint('done')"
    nbformat.write(new_notebook(cells=[new_code_cell(source)]), path)
    execute_notebook(path, save=True)  # what `python -m bertlib.course run` does
    outputs = read_notebook(path).cells[0].outputs
    texts = [output.data["text/plain"] for output in outputs if "data" in output]
    assert texts == ["pre-training: 100%|██████████| 800/800"]
    assert [output.text for output in outputs if output.output_type == "stream"] == ["done\n"]
