"""The imports follow the data's arrows and never point back (docs/architecture.md):

    kiosk ──▶ survey ──▶ core ◀── analytics (which also reads survey's tables)
    admin ──▶ any area;  demo ──▶ any area

core imports no area, except the composition root (``core/__init__.py``, which names every
area that ships); no application code imports ``bench`` or ``tests``. Every import is read
from the source (``ast``), including those inside functions, so a late import cannot hide."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

AREAS = {"core", "survey", "kiosk", "analytics", "admin", "demo"}
# What each package may import of the project's own packages (itself included).
MAY_IMPORT = {
    "core": {"core"},
    "survey": {"core", "survey"},
    "kiosk": {"core", "survey", "kiosk"},
    "analytics": {"core", "survey", "analytics"},
    "admin": {"core", "survey", "kiosk", "analytics", "admin"},
    "demo": AREAS,
    "wsgi": {"core"},
    # Alembic's environment reads every area's tables; the migrations themselves import no
    # application code (they must keep working when the models change).
    "migrations/env.py": {"core", "survey", "kiosk", "analytics"},
    "migrations": set(),
}
PROJECT = AREAS | {"bench", "tests", "wsgi", "migrations"}
# The composition root: the one module in core allowed to name the areas.
COMPOSITION_ROOT = "core/__init__.py"

def _python_files() -> list[Path]:
    files = [ROOT / "wsgi.py"]
    for package in sorted(AREAS | {"migrations"}):
        folder = ROOT / package
        if folder.is_dir():
            files += sorted(folder.rglob("*.py"))
    return files


def _rule_for(relative: str) -> str:
    if relative in MAY_IMPORT:
        return relative
    top = relative.split("/")[0]
    return top.removesuffix(".py")


def _imported_packages(path: Path) -> list[tuple[int, str]]:
    """(line, top-level package) of every absolute import of a project package in ``path``;
    relative imports stay inside their own package and are left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [(node.lineno, name.split(".")[0]) for name in names
                  if name.split(".")[0] in PROJECT]
    return found


def _violations() -> list[tuple[str, int, str]]:
    found = []
    for path in _python_files():
        relative = path.relative_to(ROOT).as_posix()
        allowed = MAY_IMPORT[_rule_for(relative)]
        if relative == COMPOSITION_ROOT:
            allowed = AREAS  # the areas, and the demo's command
        for line, package in _imported_packages(path):
            if package not in allowed:
                found.append((relative, line, package))
    return found


def test_no_import_points_against_the_arrows():
    unexpected = _violations()
    assert unexpected == [], "\n".join(f"{m}:{line} imports {p}" for m, line, p in unexpected)


@pytest.mark.parametrize(("module", "source", "bad"), [
    ("core/services.py", "from survey.models import Rating\n", "survey"),
    ("core/retention.py", "def purge():\n    import analytics.models\n", "analytics"),
    ("survey/views.py", "from kiosk import services\n", "kiosk"),
    ("survey/services.py", "from analytics.fold import fold\n", "analytics"),
    ("analytics/views.py", "from kiosk.models import KioskDevice\n", "kiosk"),
    ("analytics/views.py", "from admin import views\n", "admin"),
    ("kiosk/views.py", "import analytics\n", "analytics"),
    ("kiosk/views.py", "from bench import results\n", "bench"),
    ("admin/views.py", "from tests.support import factories\n", "tests"),
    ("migrations/versions/0001_x.py", "from survey.models import Rating\n", "survey"),
])
def test_the_check_catches_an_import_against_the_arrows(tmp_path, module, source, bad):
    path = tmp_path / "module.py"
    path.write_text(source, encoding="utf-8")
    imported = [package for _line, package in _imported_packages(path)]
    assert imported == [bad]
    assert bad not in MAY_IMPORT[_rule_for(module)]


def test_the_composition_root_names_every_area_that_ships():
    imported = {package for _line, package in _imported_packages(ROOT / COMPOSITION_ROOT)}
    assert {"survey", "kiosk", "analytics", "admin"} <= imported


def test_alembic_reads_every_models_module_that_exists():
    """migrations/env.py imports exactly the modules that hold tables (models.py and the
    *_models.py beside them), so autogenerate and the model/migration check see them all."""
    tree = ast.parse((ROOT / "migrations" / "env.py").read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    models = {path.relative_to(ROOT).with_suffix("").as_posix().replace("/", ".")
              for package in sorted(AREAS) if (ROOT / package).is_dir()
              for path in (ROOT / package).glob("*models.py")}
    assert models, "no models modules found"
    assert {name for name in imported if name.endswith("models")} == models
