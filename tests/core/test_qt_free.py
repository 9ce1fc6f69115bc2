"""aeviewer/core must not import Qt: it runs headless, in the CLI and in tests."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import aeviewer.core

QT_MODULES = {"PySide6", "PyQt5", "PyQt6", "shiboken6", "pyqtgraph", "superqt", "qtpy"}
CORE = Path(aeviewer.core.__file__).parent


def _imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_no_core_source_imports_qt():
    files = sorted(CORE.rglob("*.py"))
    assert len(files) >= 8
    offenders = {str(f.relative_to(CORE)): _imported_roots(f) & QT_MODULES for f in files}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_importing_all_of_core_loads_no_qt():
    modules = [
        "aeviewer.core." + ".".join(f.relative_to(CORE).with_suffix("").parts)
        for f in sorted(CORE.rglob("*.py"))
        if f.name != "__init__.py"
    ]
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        f"print(sorted(set(m.split('.')[0] for m in sys.modules) & set({sorted(QT_MODULES)!r})))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
