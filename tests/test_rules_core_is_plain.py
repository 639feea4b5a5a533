"""The rules core is plain Python: no Django, no network, no database."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "sendroute" / "rules"
FIXTURE = ROOT / "tests" / "fixtures" / "packs" / "testshire"
FORBIDDEN = {"django", "requests", "urllib", "urllib3", "socket", "http", "httpx", "sqlite3"}


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name | ast.Attribute)
            and getattr(node.func, "id", getattr(node.func, "attr", ""))
            in ("__import__", "import_module")
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            found.add(str(node.args[0].value))
    return found


def test_importing_the_rules_core_and_using_it_never_imports_django():
    code = (
        "import sys, datetime, pathlib\n"
        "import sendroute.rules, sendroute.rules.engine\n"
        f"rules = sendroute.rules.load_ruleset_from(pathlib.Path({str(FIXTURE)!r}), search=())\n"
        "facts = {'concern_about': frozenset({'council'}), 'problem_date': datetime.date(2026, 1, 5)}\n"
        "sendroute.rules.advise(rules, facts, datetime.date(2026, 11, 27)).to_dict()\n"
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "assert not bad, bad\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("path", sorted(RULES.glob("*.py")), ids=lambda p: p.name)
def test_no_rules_module_imports_django_the_network_or_a_database(path):
    bad = {m for m in _imported_modules(path) if m.split(".")[0] in FORBIDDEN}
    assert not bad, f"{path.name} imports {sorted(bad)}"


def test_the_import_check_sees_every_form_of_import(tmp_path):
    source = (
        "import socket\n"
        "import http.client as hc\n"
        "from urllib.request import urlopen\n"
        "from django.db import models\n"
        "import importlib\n"
        "importlib.import_module('sqlite3')\n"
        "__import__('requests')\n"
    )
    sample = tmp_path / "sample.py"
    sample.write_text(source, encoding="utf-8")
    found = _imported_modules(sample)
    assert {m.split(".")[0] for m in found} >= {
        "socket",
        "http",
        "urllib",
        "django",
        "sqlite3",
        "requests",
    }
