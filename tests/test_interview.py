"""The terminal interview asks one question at a time, only what changes the answer."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

from sendroute.interview import run_interview
from sendroute.rules import load_ruleset

TODAY = dt.date(2026, 11, 27)


def interview(answers: list[str]) -> tuple[list[str], object]:
    pending = list(answers)
    written: list[str] = []

    def read(prompt: str) -> str:
        if not pending:
            raise EOFError
        return pending.pop(0)

    advice = run_interview(load_ruleset("norfolk"), TODAY, read, written.append)
    return written, advice


def questions(written: list[str]) -> list[str]:
    return [line for line in written if line.startswith("Question ")]


def test_a_parent_at_the_start_is_asked_few_questions_and_told_to_talk_to_the_teacher():
    # no risk, no abuse, concern about school, not started, date, not missing school, not blocked
    written, advice = interview(["2", "2", "1", "2", "1", "20/11/2026", "2"])
    assert advice.concerns[0].next_steps[0].id == "school-talk-teacher"
    assert len(questions(written)) <= 8
    assert "Talk to your child's teacher" in written[-1]


def test_the_first_question_is_about_a_child_at_risk():
    written, _ = interview([])
    assert questions(written)[0] == "Question 1: Is a child in danger or at risk of harm right now?"


def test_a_bad_answer_is_explained_and_asked_again():
    written, _ = interview(["7", "2"])
    assert "  Please type 1 for yes or 2 for no." in written
    assert questions(written)[1].startswith("Question 2: Is your concern that an adult")


def test_an_impossible_date_is_refused_with_a_reason():
    written, _ = interview(["2", "2", "1", "2", "1", "31/2/2026"])
    assert any("not a real date" in line for line in written)


def test_back_goes_to_the_previous_question():
    written, _ = interview(["2", "back", "1"])
    assert questions(written)[1].startswith("Question 2: Is your concern that an adult")
    assert questions(written)[2].startswith("Question 1: Is a child in danger")


def test_skip_leaves_a_fact_unknown_and_the_advice_says_what_it_depends_on():
    written, advice = interview(["2", "2", "1", "2", "skip", "2", "2"])
    assert "school_incident_date" in advice.missing_facts
    assert "Questions that would change this advice" in written[-1]


def test_why_we_ask_is_shown_on_request():
    written, _ = interview(["?", "2"])
    assert any(line.startswith("  Why we ask:") for line in written)


def test_the_interview_command_runs_with_input_from_a_pipe():
    result = subprocess.run(
        [sys.executable, "-m", "sendroute.cli", "interview", "--today", "2026-11-27"],
        input="1\n2\n",
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert "Get help for the child now" in result.stdout
    assert "Traceback" not in result.stderr
