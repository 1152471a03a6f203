"""Bad inputs for the instructor's tools and the exercise checks.

`student` never changes a source notebook, nor any file outside --out: every refused --out is
checked by hashing every file before and after. Markers out of order and files that are not
notebooks are errors naming the notebook, the cell and the fix. A check given something of the
wrong kind says so, rather than crashing inside bertlib.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import nbformat
import pytest
import torch

from bertlib.course import checks
from bertlib.course.__main__ import main
from bertlib.course.checks import ExerciseFailed
from bertlib.course.student import MANIFEST, blank_solutions, write_student_copies
from bertlib.errors import BertlibInputError

SOLVED = "def f(x):\n    ### BEGIN SOLUTION\n    return x + 1\n    ### END SOLUTION\n"


def make_series(folder: Path, names=("01_one.ipynb", "02_two.ipynb")) -> Path:
    """A small source folder: notebooks with a solution and an output each."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        cell = nbformat.v4.new_code_cell(SOLVED)
        cell.outputs = [nbformat.v4.new_output("stream", text="secret output\n")]
        notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Title"), cell])
        nbformat.write(notebook, folder / name)
    return folder


def snapshot(root: Path, skip: Path | None = None) -> dict[str, str]:
    """Relative path -> SHA-256 (or link target) of every file under `root`, except under `skip`."""
    found = {}
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            path = Path(dirpath) / name
            if skip is not None and (path == skip or skip in path.parents):
                continue
            key = str(path.relative_to(root))
            found[key] = (
                f"-> {os.readlink(path)}" if path.is_symlink() else hashlib.sha256(path.read_bytes()).hexdigest()
            )
    return found


# ----------------------------------------------------------------------------- --out that would destroy the source


def out_same(tmp: Path) -> Path:
    return tmp / "notebooks"


def out_dot(tmp: Path) -> Path:
    return Path(str(tmp / "notebooks") + "/.")


def out_dotdot(tmp: Path) -> Path:
    return tmp / "notebooks" / ".." / "notebooks"


def out_relative(tmp: Path) -> Path:
    return Path(os.path.relpath(tmp / "notebooks"))


def out_symlink_to_folder(tmp: Path) -> Path:
    (tmp / "link").symlink_to(tmp / "notebooks", target_is_directory=True)
    return tmp / "link"


def out_holding_a_link_to_a_source(tmp: Path) -> Path:
    (tmp / "other").mkdir()
    (tmp / "other" / "02_two.ipynb").symlink_to(tmp / "notebooks" / "02_two.ipynb")
    return tmp / "other"


def out_holding_a_hard_link_to_a_source(tmp: Path) -> Path:
    (tmp / "other").mkdir()
    os.link(tmp / "notebooks" / "01_one.ipynb", tmp / "other" / "01_one.ipynb")
    return tmp / "other"


def out_is_a_file(tmp: Path) -> Path:
    (tmp / "a_file").write_text("keep me\n")
    return tmp / "a_file"


REFUSED = [
    out_same,
    out_dot,
    out_dotdot,
    out_relative,
    out_symlink_to_folder,
    out_holding_a_link_to_a_source,
    out_holding_a_hard_link_to_a_source,
    out_is_a_file,
]
MESSAGES = {
    out_holding_a_link_to_a_source: "would overwrite the source notebook",
    out_holding_a_hard_link_to_a_source: "would overwrite the source notebook",
    out_is_a_file: "is a file, not a folder",
}


@pytest.mark.parametrize("force", [False, True], ids=["plain", "with-force"])
@pytest.mark.parametrize("make_out", REFUSED, ids=[f.__name__.removeprefix("out_") for f in REFUSED])
def test_student_refuses_an_out_that_would_overwrite_the_source(tmp_path, monkeypatch, make_out, force):
    monkeypatch.chdir(tmp_path)
    make_series(tmp_path / "notebooks")
    out = make_out(tmp_path)
    before = snapshot(tmp_path)
    with pytest.raises(BertlibInputError, match=MESSAGES.get(make_out, "is the notebooks folder itself")):
        write_student_copies(tmp_path / "notebooks", out, force=force)
    assert snapshot(tmp_path) == before  # no file changed, none added


def test_the_cli_refuses_with_exit_code_2_and_no_traceback(tmp_path, capsys):
    make_series(tmp_path / "notebooks")
    before = snapshot(tmp_path)
    with pytest.raises(SystemExit) as exit_:
        main(["student", str(tmp_path / "notebooks"), "--out", str(tmp_path / "notebooks") + "/."])
    assert exit_.value.code == 2
    error = capsys.readouterr().err
    assert "error: --out" in error and "Traceback" not in error and "Choose another folder" in error
    assert snapshot(tmp_path) == before


def test_success_changes_nothing_outside_out_and_rerunning_is_fine(tmp_path, capsys):
    source = make_series(tmp_path / "notebooks")
    (tmp_path / "elsewhere.txt").write_text("unrelated\n")
    before = snapshot(tmp_path)
    assert main(["student", str(source), "--out", str(tmp_path / "student")]) == 0
    assert snapshot(tmp_path, skip=tmp_path / "student") == before
    assert sorted(p.name for p in (tmp_path / "student").iterdir()) == [MANIFEST, "01_one.ipynb", "02_two.ipynb"]
    assert capsys.readouterr().out.splitlines()[0].endswith("01_one.ipynb  (1 exercise blanked)")
    written = snapshot(tmp_path / "student")
    assert main(["student", str(source), "--out", str(tmp_path / "student")]) == 0  # its own files: replaced
    assert snapshot(tmp_path / "student") == written


def test_out_inside_the_source_folder_is_allowed_and_leaves_the_source_alone(tmp_path):
    source = make_series(tmp_path / "notebooks")
    before = snapshot(source)
    write_student_copies(source, source / "student")
    assert snapshot(source, skip=source / "student") == before


def test_a_students_changed_copy_is_not_overwritten_without_force(tmp_path):
    source = make_series(tmp_path / "notebooks")
    out = tmp_path / "student"
    write_student_copies(source, out)
    students_copy = out / "02_two.ipynb"
    students_copy.write_text(students_copy.read_text().replace("raise NotImplementedError()", "return 2"))
    before = snapshot(tmp_path)
    with pytest.raises(BertlibInputError, match=r"already holds 02_two.ipynb.*--force"):
        write_student_copies(source, out)
    assert snapshot(tmp_path) == before
    write_student_copies(source, out, force=True)
    assert "return 2" not in (out / "02_two.ipynb").read_text()


def test_a_file_it_did_not_write_is_refused_and_force_replaces_a_link_not_its_target(tmp_path):
    source = make_series(tmp_path / "notebooks")
    out = tmp_path / "student"
    out.mkdir()
    (tmp_path / "precious.ipynb").write_text("precious\n")
    (out / "01_one.ipynb").symlink_to(tmp_path / "precious.ipynb")
    (out / "notes.txt").write_text("mine\n")
    with pytest.raises(BertlibInputError, match="already holds 01_one.ipynb, which this command did not write"):
        write_student_copies(source, out)
    write_student_copies(source, out, force=True)
    assert (tmp_path / "precious.ipynb").read_text() == "precious\n"  # the link was replaced, not written through
    assert not (out / "01_one.ipynb").is_symlink() and (out / "notes.txt").read_text() == "mine\n"


# ----------------------------------------------------------------------------- solution markers

BAD_MARKERS = [
    ("end-before-begin", "### END SOLUTION\nx = 1\n### BEGIN SOLUTION\n", r"line 1: '### END SOLUTION' without a"),
    ("begin-without-end", "def f():\n    ### BEGIN SOLUTION\n    return 1\n", r"line 2: '### BEGIN SOLUTION' has no"),
    ("end-without-begin", "x = 1\n### END SOLUTION\n", r"line 2: '### END SOLUTION' without"),
    (
        "nested-begin",
        "### BEGIN SOLUTION\n### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n### END SOLUTION\n",
        r"line 2: a second '### BEGIN SOLUTION' before the '### END SOLUTION' of the one on line 1; "
        r"solutions cannot nest",
    ),
    ("both-on-one-line", "### BEGIN SOLUTION ### END SOLUTION\n", r"line 1: .* share a line"),
    (
        "begin-mid-line",
        "x = 1  ### BEGIN SOLUTION\n### END SOLUTION\n",
        r"line 1: a '### BEGIN SOLUTION' line must start",
    ),
]


@pytest.mark.parametrize("source, message", [c[1:] for c in BAD_MARKERS], ids=[c[0] for c in BAD_MARKERS])
def test_markers_out_of_order_name_notebook_cell_and_line_and_write_nothing(tmp_path, source, message):
    folder = make_series(tmp_path / "notebooks")
    notebook = nbformat.read(folder / "02_two.ipynb", as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(source))
    nbformat.write(notebook, folder / "02_two.ipynb")
    with pytest.raises(BertlibInputError, match=r"02_two.ipynb, cell 3 \(the one starting .*\), " + message):
        write_student_copies(folder, tmp_path / "student")
    assert not (tmp_path / "student").exists()  # checked before anything was written


def test_unbalanced_markers_keep_their_old_words():
    with pytest.raises(ValueError, match="Unbalanced solution markers"):
        blank_solutions("### BEGIN SOLUTION\nx = 1\n")


# ----------------------------------------------------------------------------- files that are not notebooks

NOT_NOTEBOOKS = [
    ("empty", b"", "is empty, so it is not a notebook"),
    ("blank", b"  \n", "is empty, so it is not a notebook"),
    ("invalid-json", b'{"cells": [', r"is not valid JSON \(Expecting value, line 1, column 12\)"),
    ("json-list", b"[1, 2]", "is JSON but not a notebook"),
    ("json-without-cells", b'{"nbformat": 4}', "is JSON but not a notebook"),
    ("nbformat-3", b'{"nbformat": 3, "nbformat_minor": 0, "cells": [], "metadata": {}}', "is nbformat 3"),
    ("not-utf8", b'{"cells": "caf\xe9"}', r"is not UTF-8 text \(byte 14 is 0xe9\)"),
    ("cells-not-a-list", b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": 5}', "not a valid nbformat 4"),
]


@pytest.mark.parametrize("data, message", [c[1:] for c in NOT_NOTEBOOKS], ids=[c[0] for c in NOT_NOTEBOOKS])
def test_student_names_a_file_that_is_not_a_notebook(tmp_path, data, message):
    folder = make_series(tmp_path / "notebooks")
    (folder / "03_broken.ipynb").write_bytes(data)
    with pytest.raises(BertlibInputError, match=message) as caught:
        write_student_copies(folder, tmp_path / "student")
    assert "03_broken.ipynb" in str(caught.value)
    assert not (tmp_path / "student").exists()


@pytest.mark.parametrize("command", ["clean", "run", "timings"])
def test_clean_run_and_timings_refuse_a_non_notebook_before_any_work(tmp_path, capsys, command):
    good = make_series(tmp_path / "notebooks") / "01_one.ipynb"
    bad = tmp_path / "bad.ipynb"
    bad.write_text("not json at all")
    before = snapshot(tmp_path)
    with pytest.raises(SystemExit) as exit_:
        main([command, str(good), str(bad)])
    assert exit_.value.code == 2
    assert "bad.ipynb is not valid JSON" in capsys.readouterr().err
    assert snapshot(tmp_path) == before  # the good notebook was not cleaned or run either


def test_a_missing_notebooks_folder_is_a_clear_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["student", str(tmp_path / "nowhere"), "--out", str(tmp_path / "student")])
    assert exit_.value.code == 2 and "is not a folder" in capsys.readouterr().err


# ----------------------------------------------------------------------------- checks given the wrong kind of thing

WRONG_KINDS = [
    (
        "softmax-returns-int-tensor",
        checks.check_softmax,
        lambda x: x.long(),
        "softmax — dtype: it returned a tensor of torch.int64",
    ),
    ("add-norm-returns-int-tensor", checks.check_add_and_norm, lambda x, s, n: (x + s).long(), "dtype torch.int64"),
    (
        "self-attention-fields-none",
        checks.check_self_attention,
        lambda x: type("Out", (), {"context": None, "weights": None})(),
        "expected a torch.Tensor of shape \\(5, 5\\)",
    ),
    (
        "confusion-returns-scalar",
        checks.check_confusion_matrix,
        lambda p, g, c: torch.tensor(1.0),
        "return a C x C table",
    ),
    (
        "classification-returns-bool",
        checks.check_classification_head,
        lambda *a: torch.ones(2, 2, dtype=torch.bool),
        "it should be: classification_logits",
    ),
    ("softmax-returns-list", checks.check_softmax, lambda x: x.tolist(), "type: it should return a torch.Tensor"),
    ("softmax-takes-no-argument", checks.check_softmax, lambda: 1, "softmax raised TypeError"),
    ("dot-returns-none", checks.check_dot_product, lambda u, v: None, "type"),
]


@pytest.mark.parametrize("check, wrong, message", [c[1:] for c in WRONG_KINDS], ids=[c[0] for c in WRONG_KINDS])
def test_a_check_given_the_wrong_kind_of_answer_says_so(check, wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        check(wrong)


@pytest.mark.parametrize("not_a_function", [None, 3, torch.zeros(3)], ids=["none", "int", "a-result-not-a-function"])
def test_a_check_given_no_function_says_pass_the_function(not_a_function):
    with pytest.raises(TypeError, match="needs your function itself"):
        checks.check_softmax(not_a_function)


@pytest.mark.parametrize("threads", [0, -1, 1.5], ids=["zero", "negative", "fraction"])
def test_setup_notebook_refuses_a_bad_thread_count(threads):
    from bertlib.course import setup_notebook

    before = torch.get_num_threads()
    with pytest.raises(BertlibInputError, match=rf"threads={threads}\): threads must be a whole number"):
        setup_notebook(threads=threads)
    assert torch.get_num_threads() == before


def test_a_full_disk_while_writing_copies_is_a_clear_error_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    import errno

    import bertlib.course.student as student

    source = make_series(tmp_path / "notebooks")
    before = snapshot(source)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(student.os, "replace", full)
    full_disk = r"could not write the student copies to --out .*No space left on device"
    with pytest.raises(BertlibInputError, match=full_disk):
        write_student_copies(source, tmp_path / "student")
    assert list((tmp_path / "student").iterdir()) == []  # the temporary file was removed
    assert snapshot(source) == before


# ----------------------------------------------------------------------------- the site builder (issue 11's re-check)


def test_site_refuses_an_out_that_holds_its_own_notebooks(tmp_path):
    """An earlier site (it has the marker, so a rebuild may empty it) with the sources inside it:
    emptying --out first would delete the very notebooks the site is made from."""
    from bertlib.course.site import MARKER, build_site

    out = tmp_path / "site"
    (out / "mine").mkdir(parents=True)
    (out / MARKER).write_text("an earlier site\n")
    make_series(out / "mine")
    before = snapshot(tmp_path)
    with pytest.raises(BertlibInputError, match=r"holds the notebook .*01_one\.ipynb.*would delete it.*build/site/"):
        build_site(out / "mine", out, student=False)
    assert snapshot(tmp_path) == before


def test_site_out_under_a_file_is_an_argparse_error(tmp_path, capsys):
    make_series(tmp_path / "notebooks")
    (tmp_path / "a_file").write_text("not a folder\n")
    with pytest.raises(SystemExit) as exit_:
        main(["site", str(tmp_path / "notebooks"), "--out", str(tmp_path / "a_file" / "site"), "--no-student"])
    assert exit_.value.code == 2
    error = capsys.readouterr().err
    assert "could not make --out" in error and "Not a directory" in error and "Traceback" not in error


@pytest.mark.parametrize("argv", [["--debug", "student"], ["student", "--debug"]], ids=["debug_before", "debug_after"])
def test_debug_is_taken_before_or_after_the_subcommand(tmp_path, argv):
    make_series(tmp_path / "notebooks")
    command = [*argv, str(tmp_path / "notebooks"), "--out", str(tmp_path / "notebooks")]
    with pytest.raises(BertlibInputError, match="the notebooks folder itself"):
        main(command)
