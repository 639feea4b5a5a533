"""The `sendroute` command: advice, facts, explain, check-pack and the interview, and its errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from sendroute.cli import main
from sendroute.rules.packs import BUILTIN_PACKS

SCHEMA = json.loads(
    (Path(__file__).parent.parent / "sendroute/rules/advice.schema.json").read_text()
)
PARENT_AT_START = """\
child_at_risk: no
abuse_allegation: no
missing_education: no
concern_about: [school]
school_stage: not_started
school_incident_date: 2026-11-20
school_blocking_procedure: no
"""


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


@pytest.fixture
def facts_file(tmp_path: Path) -> Path:
    path = tmp_path / "facts.yaml"
    path.write_text(PARENT_AT_START)
    return path


def test_advise_text_puts_the_next_step_first(capsys, facts_file):
    code, out, _ = run(capsys, "advise", str(facts_file), "--today", "2026-11-27")
    assert code == 0
    assert (
        out.index("What to do next:")
        < out.index("Talk to your child's teacher")
        < out.index("Also open to you now:")
    )
    assert "Saturday 20 February 2027" in out
    assert '"The first step is to talk to the teacher." (source document)' in out


def test_advise_json_follows_the_published_schema(capsys, facts_file):
    code, out, _ = run(
        capsys, "advise", str(facts_file), "--today", "2026-11-27", "--format", "json"
    )
    assert code == 0
    data = json.loads(out)
    jsonschema.validate(data, SCHEMA)
    assert data["concerns"][0]["next_steps"][0]["id"] == "school-talk-teacher"
    assert data["packs"][0]["id"] == "england"
    assert data["packs"][1]["id"] == "norfolk"


def test_advise_reads_a_facts_document_with_area_and_today(capsys, tmp_path):
    path = tmp_path / "doc.yaml"
    indented = "\n".join("  " + line for line in PARENT_AT_START.splitlines())
    path.write_text(f"area: norfolk\ntoday: 2026-11-27\nfacts:\n{indented}\n")
    code, out, _ = run(capsys, "advise", str(path), "--format", "json")
    assert code == 0
    assert json.loads(out)["today"] == "2026-11-27"


def test_advise_reads_standard_input(monkeypatch, capsys):
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO(PARENT_AT_START))
    code, out, _ = run(capsys, "advise", "-", "--today", "2026-11-27", "--format", "json")
    assert code == 0
    assert json.loads(out)["concerns"][0]["route"] == "school"


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("concern_about: [school\n", "line 2"),
        ("child_at_risk: maybe\n", 'line 1, fact "child_at_risk": must be yes or no'),
        ("school_stag: not_started\n", "no fact called"),
        ("school_incident_date: 2026-02-31\n", "not a real date"),
        ("school_incident_date: 2026-12-25\n", "after today"),
        ("concern_about: [shop]\n", "not one of the allowed answers"),
        ("- a list\n", "must be a mapping"),
        ("a: 1\na: 2\n", "appears twice"),
        ("facts: {}\nextra: 1\n", "unknown top-level keys"),
    ],
)
def test_bad_facts_get_one_clear_message_and_exit_code_2(capsys, tmp_path, content, words):
    path = tmp_path / "facts.yaml"
    path.write_text(content)
    code, out, err = run(capsys, "advise", str(path), "--today", "2026-11-27")
    assert code == 2
    assert out == ""
    assert words in err
    assert str(path) in err


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["advise", "/no/such/file.yaml"], "does not exist"),
        (["advise", "FACTS", "--today", "2026-13-01"], "not a real date"),
        (["advise", "FACTS", "--today", "2031-01-01"], "outside the dates"),
        (["advise", "FACTS", "--area", "atlantis"], "no area 'atlantis'"),
        (["advise", "FACTS", "--format", "xml"], "invalid choice"),
        (["explain", "no-such-rule"], "no step, deadline, warning or source"),
        (["check-pack", "/no/such/pack"], "does not exist"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_arguments_exit_2_without_a_traceback(capsys, facts_file, args, words):
    args = [str(facts_file) if a == "FACTS" else a for a in args]
    try:
        code = main(args)
    except SystemExit as exc:  # argparse's own refusals
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2
    assert words in err
    assert "Traceback" not in err


def test_facts_lists_every_fact_with_type_values_question_and_help(capsys):
    code, out, _ = run(capsys, "facts", "--format", "json")
    assert code == 0
    listing = json.loads(out)
    names = [f["name"] for f in listing]
    assert "child_at_risk" in names
    assert "school_stage" in names
    stage = next(f for f in listing if f["name"] == "school_stage")
    assert stage["type"] == "choice"
    assert "not_started" in stage["values"]
    assert stage["question"]
    assert stage["help"]


def test_facts_text_lists_names_and_questions(capsys):
    code, out, _ = run(capsys, "facts")
    assert code == 0
    assert "concern_about: multichoice (school, ehc, council, health)" in out


def test_explain_shows_conditions_and_sources_of_a_step(capsys):
    code, out, _ = run(capsys, "explain", "school-dfe")
    assert code == 0
    assert "Requires: any of:" in out
    assert "school_blocking_procedure is yes" in out
    assert "R-DFE-01" in out


def test_explain_shows_a_deadline_and_who_cites_a_source(capsys):
    code, out, _ = run(capsys, "explain", "school-complaint-time-limit")
    assert code == 0
    assert "Counted from: school_incident_date" in out
    code, out, _ = run(capsys, "explain", "R-SCH-02")
    assert code == 0
    assert "school-complaint-time-limit" in out


def test_check_pack_accepts_the_shipped_packs(capsys):
    code, out, _ = run(capsys, "check-pack", str(BUILTIN_PACKS / "norfolk"))
    assert code == 0
    assert "is valid" in out


def test_check_pack_rejects_a_broken_pack_naming_the_file(capsys, tmp_path):
    import shutil

    pack = tmp_path / "england"
    shutil.copytree(BUILTIN_PACKS / "england", pack)
    (pack / "routes" / "school.yaml").write_text(
        (pack / "routes" / "school.yaml").read_text().replace("body: dfe", "body: no-such-body")
    )
    code, _, err = run(capsys, "check-pack", str(pack))
    assert code == 2
    assert "school.yaml" in err
    assert "no-such-body" in err


def test_areas_lists_norfolk(capsys):
    code, out, _ = run(capsys, "areas")
    assert code == 0
    assert out.startswith("norfolk: Norfolk")


def test_the_console_script_runs_as_a_program(facts_file):
    result = subprocess.run(
        [sys.executable, "-m", "sendroute.cli", "advise", str(facts_file), "--today", "2026-11-27"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert "Talk to your child's teacher" in result.stdout
