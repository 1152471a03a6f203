"""The committed data is what the generator makes, byte for byte (its counts: tests/course/test_figures.py)."""

from __future__ import annotations

import pytest

from bertlib.data.build import build
from bertlib.paths import data_path


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


def test_the_generated_data_stays_small(rebuilt):
    _, written = rebuilt
    assert sum(path.stat().st_size for path in written) < 5_000_000
