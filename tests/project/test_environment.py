"""environment.yml, pyproject.toml and course.py must describe the same install."""

from __future__ import annotations

import ast
import re
try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def load_pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def load_environment() -> dict:
    return yaml.safe_load((ROOT / "environment.yml").read_text())


def conda_python_spec(environment: dict) -> str:
    specs = [d for d in environment["dependencies"] if isinstance(d, str) and d.startswith("python")]
    assert len(specs) == 1, f"environment.yml should name python exactly once, found {specs}"
    return specs[0].removeprefix("python").replace(" ", "")


def pip_lines(environment: dict) -> list[str]:
    sections = [d["pip"] for d in environment["dependencies"] if isinstance(d, dict) and "pip" in d]
    assert len(sections) == 1, "environment.yml should have exactly one pip section"
    return sections[0]


def course_constant(name: str) -> str:
    tree = ast.parse((ROOT / "course.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError(f"course.py defines no {name}")


def test_python_version_matches_requires_python():
    assert conda_python_spec(load_environment()) == load_pyproject()["project"]["requires-python"]


def test_environment_installs_this_package_with_every_extra():
    extras = set(load_pyproject()["project"]["optional-dependencies"])
    editable = [line for line in pip_lines(load_environment()) if line.startswith("-e .")]
    assert len(editable) == 1, "environment.yml should install this package once, editable"
    match = re.fullmatch(r"-e \.\[([a-z,_-]+)\]", editable[0])
    assert match, f"cannot read the extras in {editable[0]!r}"
    assert set(match.group(1).split(",")) == extras


def test_quickstart_installs_every_extra():
    assert set(course_constant("EXTRAS").split(",")) == set(load_pyproject()["project"]["optional-dependencies"])


def test_torch_pin_is_the_same_everywhere_and_inside_the_range():
    pin = course_constant("TORCH_PIN")
    assert pin in pip_lines(load_environment()), "environment.yml should pin torch as course.py does"
    torch_range = next(d for d in load_pyproject()["project"]["dependencies"] if d.startswith("torch"))
    low, high = re.fullmatch(r"torch>=([\d.]+),<([\d.]+)", torch_range).groups()
    version = tuple(int(p) for p in pin.split("==")[1].split("."))
    assert tuple(int(p) for p in low.split(".")) <= version < tuple(int(p) for p in high.split("."))


def test_nothing_else_is_installed_outside_the_project_files():
    # Everything beyond torch's pin must come through pyproject.toml, or CI and the README drift apart.
    extra_lines = [l for l in pip_lines(load_environment()) if not l.startswith("-e .")]
    assert extra_lines == [course_constant("TORCH_PIN")]


def test_ci_calls_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "python3 course.py test" in readme
    assert re.search(r"^python3 course\.py test\b", ci, flags=re.MULTILINE)
