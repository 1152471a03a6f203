"""The READMEs' figures are written from their sources, never typed in (bertlib/course/figures.py)."""

from __future__ import annotations

import pytest

from bertlib.course import figures
from bertlib.errors import BertlibInputError


@pytest.mark.parametrize("path", figures.DOCUMENTS, ids=lambda p: str(p.relative_to(p.parent.parent)))
def test_every_figure_block_is_what_its_source_writes(path):
    assert figures.blocks(path.read_text(encoding="utf-8")), f"{path} has no figure block"
    assert figures.stale(path) == [], f"{path}: run `python -m bertlib.course figures`"


def test_the_readmes_show_every_source():
    shown = {block.name for path in figures.DOCUMENTS for block in figures.blocks(path.read_text(encoding="utf-8"))}
    assert shown == set(figures.SOURCES)


def test_refresh_rewrites_a_block_and_leaves_the_rest(tmp_path):
    path = tmp_path / "README.md"
    path.write_text("intro 12.3\n<!-- checkpoint: begin -->\nold 0.5\n<!-- checkpoint: end -->\nafter\n")
    assert figures.stale(path) == ["checkpoint"]
    assert figures.refresh((path,)) == [path]
    text = path.read_text()
    assert text.startswith("intro 12.3\n<!-- checkpoint: begin -->\n```\npython -m bertlib pretrain")
    assert text.endswith("\n<!-- checkpoint: end -->\nafter\n") and "old 0.5" not in text
    assert figures.stale(path) == [] and figures.refresh((path,)) == []


def test_an_unknown_block_is_refused():
    with pytest.raises(BertlibInputError, match="Unknown figure blocks"):
        figures.blocks("<!-- table: begin -->\nx\n<!-- table: end -->")
