"""Static analysis and the dependency audit, as part of the tests.

- bandit (configured in pyproject.toml) finds nothing in the package that is not reviewed, and a
  review is always a `# nosec BXXX` for one named check, next to the reason.
- semgrep, offline, with only the rules kept in .semgrep/: every rule is proved to fire on its
  examples (and to stay quiet on the safe forms), and finds nothing unreviewed in the package.
- tools/dependency_audit.py never reports a pass when pip-audit could not reach its advisory
  database, whatever pip-audit itself says.

bandit is in the app's environment; semgrep and pip-audit are in .venv-tools (`make tools-venv`),
because they pin packages that clash with the app's.
"""

from __future__ import annotations

import http.server
import importlib.util
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import textwrap
import threading
import tokenize
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "sendroute"
RULES = ROOT / ".semgrep"
TOOLS_BIN = ROOT / ".venv-tools" / "bin"
# Any attempt to reach the network fails at once: the tools must work offline.
OFFLINE = {
    **os.environ,
    "HTTP_PROXY": "http://127.0.0.1:9",
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "SEMGREP_SEND_METRICS": "off",
    "SEMGREP_ENABLE_VERSION_CHECK": "0",
}


def tool(name: str, folder: Path) -> str:
    path = folder / name
    assert path.exists(), f"{path} is missing: run `make tools-venv` (or `make install`)"
    return str(path)


def bandit() -> str:
    return tool("bandit", Path(sys.executable).parent)


def semgrep() -> str:
    return tool("semgrep", TOOLS_BIN)


def comments(path: Path) -> Iterator[tuple[int, str]]:
    with path.open("rb") as source:
        for token in tokenize.tokenize(source.readline):
            if token.type == tokenize.COMMENT:
                yield token.start[0], token.string


def words_of_reason(comment: str) -> int:
    """How many words a comment has once the tools' own markers are taken out."""
    text = re.sub(r"#\s*nosec\b[\sB\d,]*", " ", comment)
    text = re.sub(r"#\s*noqa:?\s*([A-Z]+\d+[,\s]*)*", " ", text)
    text = re.sub(r"#\s*nosemgrep:?\s*[\w.,-]*", " ", text)
    return len(re.findall(r"[A-Za-z]{2,}", text))


# -- bandit --------------------------------------------------------------------------------------


def run_bandit(target: Path) -> dict:
    done = subprocess.run(
        [bandit(), "-c", str(ROOT / "pyproject.toml"), "-r", str(target), "-f", "json", "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)


def test_bandit_finds_no_unreviewed_issue_in_the_package():
    report = run_bandit(PACKAGE)
    assert report["errors"] == []
    assert report["metrics"]["_totals"]["loc"] > 5000  # it really read the package
    found = [
        f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_text']}"
        for r in report["results"]
    ]
    assert not found, (
        "Fix these, or mark the line `# nosec BXXX` next to the reason it is safe:\n"
        + "\n".join(found)
    )


def test_bandit_catches_the_dangers_it_is_there_for(tmp_path):
    (tmp_path / "danger.py").write_text(
        textwrap.dedent(
            """
            import pickle
            import subprocess

            import yaml


            def handle(name, data, text):
                subprocess.call("convert " + name, shell=True)
                yaml.load(text, Loader=yaml.Loader)
                return pickle.loads(data)
            """
        )
    )
    found = {r["test_id"] for r in run_bandit(tmp_path)["results"]}
    assert {"B602", "B506", "B301"} <= found


def test_every_nosec_names_its_check_and_gives_a_reason():
    problems, reviewed = [], 0
    for path in sorted(PACKAGE.rglob("*.py")):
        for line, comment in comments(path):
            if "nosec" not in comment:
                continue
            reviewed += 1
            where = f"{path.relative_to(ROOT)}:{line}"
            if not re.search(r"#\s*nosec\s+B\d{3}\b", comment):
                problems.append(f"{where}: name the check, e.g. `# nosec B603` ({comment})")
            elif words_of_reason(comment) < 3:
                problems.append(f"{where}: say why it is safe on the same line ({comment})")
    assert reviewed > 0
    assert not problems, "\n".join(problems)


# -- semgrep -------------------------------------------------------------------------------------


def rule_ids() -> dict[str, Path]:
    ids = {}
    for rule_file in sorted(RULES.glob("*.yaml")):
        for rule in yaml.safe_load(rule_file.read_text())["rules"]:
            ids[rule["id"]] = rule_file
    return ids


def test_every_semgrep_rule_has_examples_that_it_must_find_and_must_not():
    ids = rule_ids()
    assert len(ids) >= 12
    missing = []
    for rule_id, rule_file in ids.items():
        examples = [p for p in RULES.glob(f"{rule_file.stem}.*") if p.suffix != ".yaml"]
        text = "".join(p.read_text() for p in examples)
        for mark in ("ruleid", "ok"):
            if not re.search(rf"\b{mark}: {re.escape(rule_id)}\b", text):
                missing.append(f"{rule_id}: no `{mark}:` example in {rule_file.stem}.*")
    assert not missing, "\n".join(missing)


def test_every_semgrep_rule_finds_its_examples_and_nothing_else(tmp_path):
    # semgrep --test passes over folders whose names start with a dot: test a copy.
    copy = tmp_path / "semgrep_rules"
    shutil.copytree(RULES, copy)
    done = subprocess.run(
        [semgrep(), "--test", "--metrics=off", "--disable-version-check", str(copy)],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
        env=OFFLINE,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert f"{len(rule_ids())}/{len(rule_ids())}: ✓ All tests passed" in output, output


def test_semgrep_finds_no_unreviewed_issue_in_the_package_offline():
    done = subprocess.run(
        [
            semgrep(),
            "scan",
            "--config",
            str(RULES),
            "--metrics=off",
            "--disable-version-check",
            "--error",
            "--json",
            "sendroute",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
        env=OFFLINE,
    )
    report = json.loads(done.stdout)
    assert report["errors"] == [], report["errors"]
    scanned = report["paths"]["scanned"]
    assert any(p.endswith("cases/views/cases.py") for p in scanned)
    assert any(p.endswith(".html") for p in scanned)  # the Jinja templates too
    found = [
        f"{r['path']}:{r['start']['line']} {r['check_id'].rsplit('.', 1)[-1]}"
        for r in report["results"]
    ]
    assert not found, (
        "Fix these, or mark the line `# nosemgrep: <rule-id> - <why it is safe>`:\n"
        + "\n".join(found)
    )
    assert done.returncode == 0, done.stderr


def test_every_nosemgrep_names_one_of_our_rules_and_gives_a_reason():
    ids = rule_ids()
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for line, comment in comments(path):
            if "nosemgrep" not in comment:
                continue
            where = f"{path.relative_to(ROOT)}:{line}"
            named = re.search(r"nosemgrep:\s*([\w-]+)", comment)
            if named is None or named.group(1) not in ids:
                problems.append(f"{where}: name one of the rules in .semgrep/ ({comment})")
            elif words_of_reason(comment) < 3:
                problems.append(f"{where}: say why it is safe ({comment})")
    assert not problems, "\n".join(problems)


# -- the dependency audit ------------------------------------------------------------------------


def load_audit():
    spec = importlib.util.spec_from_file_location(
        "dependency_audit", ROOT / "tools" / "dependency_audit.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["dependency_audit"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


audit = load_audit()
PINS = [("django", "5.2.19"), ("jinja2", "3.1.6"), ("pyyaml", "6.0.3")]


def skipped(name: str, version: str) -> dict:
    reason = f"Dependency not found on PyPI and could not be audited: {name} ({version})"
    return {"name": name, "skip_reason": reason}


def checked(name: str, version: str, *vulns: dict) -> dict:
    return {"name": name, "version": version, "vulns": list(vulns)}


VULN = {
    "id": "GHSA-test-0000-0001",
    "aliases": ["CVE-2026-0001"],
    "fix_versions": ["5.2.20"],
    "description": "made up for the test",
}


def report(*dependencies: dict) -> str:
    return json.dumps({"dependencies": list(dependencies), "fixes": []})


def says_pass(verdict) -> bool:
    text = verdict.text.lower()
    return verdict.code == audit.PASS or "passed" in text or "no known vulnerabilities" in text


def interpret(report_text, **kw):
    defaults = {"returncode": 0, "stderr": "", "requested": PINS, "reviews": []}
    return audit.interpret(report=report_text, **{**defaults, **kw})


def test_an_audit_that_checked_no_package_did_not_run_whatever_pip_audit_says():
    """What pip-audit answers here: every package skipped, 'No known vulnerabilities', exit 0."""
    verdict = interpret(report(*(skipped(n, v) for n, v in PINS)))
    assert verdict.code == audit.NOT_RUN == 3
    assert verdict.lines[0].startswith("Dependency audit DID NOT RUN: none of the 3 packages")
    assert "This is not a pass." in verdict.lines[0]
    assert verdict.code != audit.PASS
    assert "passed" not in verdict.text


@pytest.mark.parametrize(
    ("why", "kw"),
    [
        ("no report at all", {"report_text": None, "stderr": "ConnectionError: Max retries"}),
        ("an empty report", {"report_text": ""}),
        ("a report that is not JSON", {"report_text": "No known vulnerabilities found"}),
        ("a report of no packages", {"report_text": report()}),
        (
            "one package skipped",
            {"report_text": report(checked("django", "5.2.19"), skipped("jinja2", "3.1.6"))},
        ),
        (
            "one package missing from the report",
            {"report_text": report(checked("django", "5.2.19"), checked("jinja2", "3.1.6"))},
        ),
    ],
)
def test_an_audit_that_could_not_check_everything_is_never_a_pass(why, kw):
    verdict = interpret(kw.pop("report_text"), **kw)
    assert verdict.code == audit.NOT_RUN, why
    assert "DID NOT RUN" in verdict.text
    assert "This is not a pass." in verdict.text
    assert not says_pass(verdict), verdict.text


def test_an_audit_that_checked_every_package_and_found_nothing_passes():
    verdict = interpret(report(*(checked(n, v) for n, v in PINS)))
    assert verdict.code == audit.PASS
    assert "all 3 pinned packages were checked" in verdict.text


def test_a_known_vulnerability_fails_the_audit_even_when_other_packages_were_skipped():
    verdict = interpret(report(checked("django", "5.2.19", VULN), skipped("jinja2", "3.1.6")))
    assert verdict.code == audit.FOUND
    assert "django 5.2.19: GHSA-test-0000-0001 (fixed in 5.2.20)" in verdict.text


def test_a_reviewed_vulnerability_is_accepted_with_its_reason(tmp_path):
    reviewed = tmp_path / "reviewed.toml"
    reviewed.write_text(
        '[[reviewed]]\nid = "CVE-2026-0001"\npackage = "Django"\n'
        'reason = "Only the admin is affected and sendroute does not install it."\n'
        "review_by = 2099-01-01\n"
    )
    reviews, problems = audit.read_reviews(reviewed, audit.dt.date(2026, 11, 27))
    assert problems == []
    verdict = interpret(
        report(checked("django", "5.2.19", VULN), *(checked(n, v) for n, v in PINS[1:])),
        reviews=reviews,
    )
    assert verdict.code == audit.PASS
    assert "reviewed until 2099-01-01: Only the admin is affected" in verdict.text


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ('reason = "fine"\nreview_by = 2099-01-01', "needs a reason"),
        (
            'reason = "Only the admin is affected, not installed."\nreview_by = 2026-01-01',
            "ran out",
        ),
        ('reason = "Only the admin is affected, not installed."', "needs review_by"),
    ],
)
def test_a_review_without_a_reason_or_past_its_date_fails_the_audit(tmp_path, entry, problem):
    reviewed = tmp_path / "reviewed.toml"
    reviewed.write_text(f'[[reviewed]]\nid = "CVE-2026-0001"\npackage = "django"\n{entry}\n')
    reviews, problems = audit.read_reviews(reviewed, audit.dt.date(2026, 11, 27))
    assert reviews == []
    assert problem in problems[0]
    verdict = interpret(
        report(*(checked(n, v) for n, v in PINS)), reviews=reviews, review_problems=problems
    )
    assert verdict.code == audit.FOUND


def test_the_repositorys_review_file_is_valid():
    reviews, problems = audit.read_reviews(
        ROOT / "tools" / "dependency_audit_reviewed.toml", audit.dt.date.today()
    )
    assert problems == []
    assert all(len(r.reason.split()) >= 5 for r in reviews)


# End to end: the script with a stand-in pip-audit and a stand-in advisory service on this machine.

FAKE_PIP_AUDIT = """\
import json, sys
args = sys.argv[1:]
pins = [line.strip().split("==") for line in open(args[args.index("--requirement") + 1]) if line.strip()]
mode = {mode!r}
if mode == "crash":
    sys.stderr.write("requests.exceptions.ConnectionError: Max retries exceeded\\n")
    sys.exit(1)
deps = [
    {{"name": n, "version": v, "vulns": []}} if mode == "clean"
    else {{"name": n, "skip_reason": "Dependency not found on PyPI and could not be audited: " + n}}
    for n, v in pins
]
open(args[args.index("--output") + 1], "w").write(json.dumps({{"dependencies": deps, "fixes": []}}))
print("No known vulnerabilities found")
"""


def fake_pip_audit(tmp_path: Path, mode: str) -> str:
    script = tmp_path / f"pip-audit-{mode}"
    script.write_text(f"#!{sys.executable}\n" + FAKE_PIP_AUDIT.format(mode=mode))
    script.chmod(0o755)
    return str(script)


class Advisories(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self):
        body = json.dumps({"info": {}, "vulnerabilities": []}).encode()
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def advisory_service():
    """A local stand-in for the advisory service: answers like PyPI's JSON API, or with 404
    (like a package mirror that does not serve that API)."""
    servers = []

    def start(status: int) -> str:
        handler = type("Handler", (Advisories,), {"status": status})
        server = http.server.HTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}/pypi/django/5.2.19/json"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/pypi/django/5.2.19/json"


def run_audit(*args: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    stdout, stderr = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        code = audit.main(["--python", sys.executable, "--timeout", "5", *args])
    finally:
        sys.stdout, sys.stderr = stdout, stderr
    return code, out.getvalue() + err.getvalue()


@pytest.mark.parametrize("mode", ["skipped", "crash", "clean"])
def test_an_unreachable_advisory_service_means_the_audit_did_not_run(tmp_path, mode):
    code, output = run_audit(
        "--pip-audit", fake_pip_audit(tmp_path, mode), "--probe-url", closed_port_url()
    )
    assert code == 3
    assert output.startswith("Dependency audit DID NOT RUN: the pypi advisory service")
    assert "could not be reached" in output
    assert "This is not a pass." in output
    assert "No known vulnerabilities" not in output
    assert "passed" not in output


def test_a_mirror_that_does_not_serve_the_advisory_api_means_the_audit_did_not_run(
    tmp_path, advisory_service
):
    code, output = run_audit(
        "--pip-audit", fake_pip_audit(tmp_path, "clean"), "--probe-url", advisory_service(404)
    )
    assert code == 3
    assert "answered HTTP 404" in output
    assert "This is not a pass." in output


def test_pip_audits_false_pass_is_not_taken_even_when_the_service_answers(
    tmp_path, advisory_service
):
    code, output = run_audit(
        "--pip-audit", fake_pip_audit(tmp_path, "skipped"), "--probe-url", advisory_service(200)
    )
    assert code == 3
    assert "could be checked" in output
    assert "This is not a pass." in output


def test_the_audit_passes_only_when_the_service_answers_and_every_package_was_checked(
    tmp_path, advisory_service
):
    code, output = run_audit(
        "--pip-audit", fake_pip_audit(tmp_path, "clean"), "--probe-url", advisory_service(200)
    )
    assert code == 0, output
    assert output.startswith("Dependency audit passed: all ")


def test_a_missing_pip_audit_means_the_audit_did_not_run(tmp_path):
    code, output = run_audit("--pip-audit", str(tmp_path / "no-such-pip-audit"))
    assert code == 3
    assert "pip-audit is not installed" in output
    assert "This is not a pass." in output
