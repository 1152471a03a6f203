"""The committed data is what the generator makes, byte for byte, and data/README.md shows its counts."""

from __future__ import annotations

import pytest

from bertlib.data.build import build
from bertlib.data.stats import stats_text
from bertlib.paths import DATA_DIR, data_path

README_BEGIN, README_END = "<!-- stats: begin -->", "<!-- stats: end -->"


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory):
    out = tmp_path_factory.mktemp("data")
    return out, build(out)


def test_the_generator_reproduces_every_committed_file_byte_for_byte(rebuilt):
    out, written = rebuilt
    assert len(written) == 12
    for path in written:
        relative = path.relative_to(out)
        assert path.read_bytes() == data_path(*relative.parts).read_bytes(), f"data/{relative} differs from a rebuild"


def test_the_readme_shows_the_counts_of_the_committed_files():
    readme = (DATA_DIR / "README.md").read_text(encoding="utf-8")
    shown = readme.split(README_BEGIN)[1].split(README_END)[0].strip()
    assert shown == stats_text(DATA_DIR).strip(), (
        "run `python -m bertlib.data stats` and paste its output into data/README.md"
    )


def test_the_generated_data_stays_small(rebuilt):
    _, written = rebuilt
    assert sum(path.stat().st_size for path in written) < 5_000_000
