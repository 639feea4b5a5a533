"""Recording a step: "I did this on this day" and "I got the answer and I am not happy with it".

A step's ``record`` block (docs/packs.md) says which facts each record sets. These tests walk each
route of the Norfolk rules the way a family would: take the step the advice recommends, record that
it was made and then answered, and check that the advice moves on, with the body's response date
counted from the day recorded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pytest

from sendroute.rules import InputError, advise, load_ruleset, parse_facts
from sendroute.rules.advice import Advice, ConcernAdvice, DeadlineOut
from sendroute.rules.records import facts_after, recordable

RULES = load_ruleset("norfolk")
TODAY = dt.date(2026, 11, 27)
NO_RISK = {"child_at_risk": False, "abuse_allegation": False, "missing_education": False}
# Facts that decide whether the LGSCO can look at a complaint, all answered "it can".
LGSCO_CAN_LOOK = {
    "lgsco_stage": "not_yet",
    "lgsco_knew_date": "2026-09-01",
    "affected_personally": True,
    "affects_most_people": False,
    "personnel_matter": False,
    "legal_action_started": False,
}

SCHOOL = {
    **NO_RISK,
    "concern_about": ["school"],
    "school_stage": "not_started",
    "school_incident_date": "2026-11-02",
    "school_blocking_procedure": False,
}
COUNCIL = {
    **NO_RISK,
    **LGSCO_CAN_LOOK,
    "concern_about": ["council"],
    "council_service": "send_education",
    "council_complaint_stage": "not_started",
    "council_problem_date": "2026-09-01",
}
ASC = {**COUNCIL, "council_service": "adult_social_care"}
CSC = {**COUNCIL, "council_service": "childrens_social_care", "csc_stage": "not_started"}
TRANSPORT = {
    **COUNCIL,
    "council_service": "school_transport",
    "transport_issue": "decision",
    "transport_stage": "not_started",
    "transport_decision_date": "2026-11-02",
}
HEALTH = {
    **NO_RISK,
    "concern_about": ["health"],
    "nhs_complained_to": "nobody_yet",
    "nhs_incident_date": "2026-10-01",
    "nhs_found_out_date": "2026-10-01",
}
SEND = {
    **NO_RISK,
    "concern_about": ["ehc"],
    "ehc_decision": "refuse_assessment",
    "tribunal_appeal_made": False,
    "mediation_stage": "mediation_asked",
    "decision_notice_date": "2026-10-01",
    "mediation_contact_date": "2026-10-20",
}

# For every step that can be recorded as made: facts where the advice recommends it.
STARTS: dict[str, dict[str, Any]] = {
    "school-talk-teacher": SCHOOL,
    "school-meet-head-senco": {**SCHOOL, "school_stage": "talked_to_teacher"},
    "school-formal-complaint": {**SCHOOL, "school_stage": "met_head_or_senco"},
    "school-governors": {**SCHOOL, "school_stage": "formal_complaint_answered"},
    "council-head-of-service": COUNCIL,
    "council-formal-complaint": {**COUNCIL, "council_complaint_stage": "raised_with_manager"},
    "council-stage-2": {**COUNCIL, "council_complaint_stage": "stage1_answered"},
    "asc-complaint": {**ASC, "council_complaint_stage": "raised_with_manager"},
    "csc-stage-1": CSC,
    "csc-stage-2": {**CSC, "csc_stage": "stage1_answered"},
    "csc-stage-3": {
        **CSC,
        "csc_stage": "stage2_answered",
        "csc_stage2_response_date": "2026-11-20",
    },
    "transport-review": TRANSPORT,
    "transport-appeal-panel": {
        **TRANSPORT,
        "transport_stage": "review_answered",
        "transport_review_decision_date": "2026-11-20",
    },
    "lgsco-complaint": {**COUNCIL, "council_complaint_stage": "procedure_completed"},
    "health-complain-provider": HEALTH,
    # The family may choose the organisation that pays instead: an open option, not a next step.
    "health-complain-commissioner": HEALTH,
    "send-mediation-meeting": SEND,
    "send-tribunal-appeal": {
        **SEND,
        "mediation_stage": "certificate",
        "mediation_certificate_date": "2026-11-10",
    },
}
NOT_RECOMMENDED = {"health-complain-commissioner"}
# Steps whose record block has only an answer (the step itself is a choice the family makes).
ANSWER_ONLY_STARTS: dict[str, dict[str, Any]] = {
    "send-mediation-adviser": {**SEND, "mediation_stage": "declined_mediation"},
}


def _advice(facts: Mapping[str, object], today: dt.date = TODAY) -> Advice:
    return advise(RULES, parse_facts(facts, RULES, today), today)


def _concern(advice: Advice, step_id: str) -> ConcernAdvice:
    route = RULES.step(step_id).route
    (concern,) = (c for c in advice.concerns if c.route == route)
    return concern


def _next(advice: Advice, route: str) -> list[str]:
    (concern,) = (c for c in advice.concerns if c.route == route)
    return [s.id for s in concern.next_steps]


def _status(advice: Advice, step_id: str) -> str | None:
    concern = _concern(advice, step_id)
    for group in ("done", "next_steps", "other_options", "not_open", "undecided"):
        for step in getattr(concern, group):
            if step.id == step_id:
                return str(step.status)
    return None


def _deadline(advice: Advice, deadline_id: str) -> DeadlineOut:
    (deadline,) = (d for d in advice.deadlines if d.id == deadline_id)
    return deadline


def _record(facts: Mapping[str, object], step_id: str, kind: Any, on: dt.date) -> dict[str, object]:
    return facts_after(RULES, facts, step_id, kind, on)


# --- each route, walked the way a family would walk it --------------------------------------


def test_school_teacher_then_head_then_formal_complaint():
    facts: Mapping[str, object] = SCHOOL
    assert _next(_advice(facts), "school") == ["school-talk-teacher"]
    facts = _record(facts, "school-talk-teacher", "made", dt.date(2026, 11, 3))
    assert facts["school_stage"] == "talked_to_teacher"
    assert _next(_advice(facts), "school") == ["school-meet-head-senco"]
    facts = _record(facts, "school-meet-head-senco", "made", dt.date(2026, 11, 10))
    advice = _advice(facts)
    assert _next(advice, "school") == ["school-formal-complaint"]
    assert _status(advice, "school-talk-teacher") == "done"


def test_school_formal_complaint_then_governors_then_dfe():
    facts: Mapping[str, object] = STARTS["school-formal-complaint"]
    assert _next(_advice(facts), "school") == ["school-formal-complaint"]

    facts = _record(facts, "school-formal-complaint", "made", dt.date(2026, 11, 20))
    advice = _advice(facts)
    assert _next(advice, "school") == ["school-wait-response"]
    assert _status(advice, "school-formal-complaint") == "done"
    assert _status(advice, "school-governors") == "not_yet"

    facts = _record(facts, "school-formal-complaint", "answered", dt.date(2026, 11, 26))
    advice = _advice(facts)
    assert _next(advice, "school") == ["school-governors"]
    assert _status(advice, "school-dfe") == "not_yet"

    facts = _record(facts, "school-governors", "made", dt.date(2026, 11, 26))
    advice = _advice(facts)
    assert facts["school_stage"] == "governors_requested"
    assert _next(advice, "school") == ["school-wait-response"]
    assert _status(advice, "school-governors") == "done"
    assert _status(advice, "school-dfe") == "not_yet"

    facts = _record(facts, "school-governors", "answered", dt.date(2026, 11, 27))
    advice = _advice(facts)
    assert _next(advice, "school") == ["school-dfe"]
    assert _status(advice, "school-governors") == "done"


def test_council_stage_1_response_is_counted_in_working_days_across_christmas():
    facts = _record(
        STARTS["council-formal-complaint"],
        "council-formal-complaint",
        "made",
        dt.date(2026, 12, 21),
    )
    assert facts["council_complaint_date"] == "2026-12-21"
    advice = _advice(facts, dt.date(2026, 12, 22))
    assert _next(advice, "council") == ["council-wait-stage-1"]
    due = _deadline(advice, "council-stage1-response")
    # 15 working days (complaints on or after 1 April 2026), 21 December is day 0; left out:
    # 25 December (Christmas Day), 28 December (Boxing Day, substitute), 1 January (New Year's Day)
    # and the weekends. 22-24 Dec (3), 29-31 Dec (6), 4-8 Jan (11), 11-14 Jan (15).
    assert due.start_date == dt.date(2026, 12, 21)
    assert due.date == dt.date(2027, 1, 14)
    assert any("Boxing Day" in line for line in due.explanation)
    assert RULES.step("council-formal-complaint").spec.record.response_due == due.id


def test_council_stage_1_then_stage_2_then_lgsco():
    facts: Mapping[str, object] = COUNCIL
    assert _next(_advice(facts), "council") == ["council-head-of-service"]
    facts = _record(facts, "council-head-of-service", "made", dt.date(2026, 9, 2))
    assert _next(_advice(facts), "council") == ["council-formal-complaint"]
    facts = _record(facts, "council-formal-complaint", "made", dt.date(2026, 9, 7))
    assert _next(_advice(facts), "council") == ["council-wait-stage-1"]

    facts = _record(facts, "council-formal-complaint", "answered", dt.date(2026, 9, 25))
    advice = _advice(facts)
    assert _next(advice, "council") == ["council-stage-2"]
    assert _status(advice, "lgsco-complaint") == "not_yet"

    facts = _record(facts, "council-stage-2", "made", dt.date(2026, 10, 1))
    advice = _advice(facts)
    assert _next(advice, "council") == ["council-wait-stage-2"]
    # 25 working days from Thursday 1 October 2026 (no bank holidays in between).
    assert _deadline(advice, "council-stage2-response").date == dt.date(2026, 11, 5)

    facts = _record(facts, "council-stage-2", "answered", dt.date(2026, 11, 2))
    advice = _advice(facts)
    assert facts["council_complaint_stage"] == "procedure_completed"
    assert _next(advice, "council") == ["lgsco-complaint"]

    facts = _record(facts, "lgsco-complaint", "made", dt.date(2026, 11, 3))
    advice = _advice(facts)
    assert _next(advice, "council") == ["lgsco-wait"]
    assert _status(advice, "lgsco-complaint") == "done"
    facts = _record(facts, "lgsco-complaint", "answered", dt.date(2026, 11, 26))
    assert _next(_advice(facts), "council") == ["lgsco-after-decision"]


def test_adult_social_care_complaint_then_lgsco():
    facts = _record(STARTS["asc-complaint"], "asc-complaint", "made", dt.date(2026, 11, 2))
    advice = _advice(facts)
    assert _next(advice, "council") == ["asc-wait"]
    # 3 working days from Monday 2 November 2026.
    assert _deadline(advice, "asc-acknowledge").date == dt.date(2026, 11, 5)
    facts = _record(facts, "asc-complaint", "answered", dt.date(2026, 11, 20))
    assert _next(_advice(facts), "council") == ["lgsco-complaint"]


def test_childrens_social_care_three_stages():
    facts: Mapping[str, object] = CSC
    assert _next(_advice(facts), "council") == ["csc-stage-1"]
    facts = _record(facts, "csc-stage-1", "made", dt.date(2026, 9, 7))
    advice = _advice(facts)
    assert _next(advice, "council") == ["csc-wait-stage-1"]
    # 10 working days from Monday 7 September 2026.
    assert _deadline(advice, "csc-stage1-response").date == dt.date(2026, 9, 21)

    facts = _record(facts, "csc-stage-1", "answered", dt.date(2026, 9, 18))
    assert _next(_advice(facts), "council") == ["csc-stage-2"]
    facts = _record(facts, "csc-stage-2", "made", dt.date(2026, 9, 21))
    advice = _advice(facts)
    assert _next(advice, "council") == ["csc-wait-stage-2"]
    assert _deadline(advice, "csc-stage2-response").start_date == dt.date(2026, 9, 21)

    facts = _record(facts, "csc-stage-2", "answered", dt.date(2026, 11, 2))
    advice = _advice(facts)
    assert _next(advice, "council") == ["csc-stage-3"]
    # The family's 20 working days to ask for stage 3 count from the answer recorded.
    assert _deadline(advice, "csc-stage3-request").date == dt.date(2026, 11, 30)

    facts = _record(facts, "csc-stage-3", "made", dt.date(2026, 11, 9))
    advice = _advice(facts)
    assert _next(advice, "council") == ["csc-wait-stage-3"]
    assert _deadline(advice, "csc-panel").start_date == dt.date(2026, 11, 9)
    facts = _record(facts, "csc-stage-3", "answered", dt.date(2026, 11, 27))
    assert _next(_advice(facts), "council") == ["lgsco-complaint"]


def test_transport_review_then_appeal_panel():
    facts: Mapping[str, object] = TRANSPORT
    assert _next(_advice(facts), "council") == ["transport-review"]
    facts = _record(facts, "transport-review", "made", dt.date(2026, 11, 4))
    advice = _advice(facts)
    assert _next(advice, "council") == ["transport-wait-review"]
    assert _deadline(advice, "transport-review-decision").date == dt.date(2026, 12, 2)

    facts = _record(facts, "transport-review", "answered", dt.date(2026, 11, 13))
    advice = _advice(facts)
    assert _next(advice, "council") == ["transport-appeal-panel"]
    assert _deadline(advice, "transport-stage2-request").date == dt.date(2026, 12, 11)

    facts = _record(facts, "transport-appeal-panel", "made", dt.date(2026, 11, 16))
    advice = _advice(facts)
    assert _next(advice, "council") == ["transport-wait-panel"]
    assert _deadline(advice, "transport-panel-letter").start_date == dt.date(2026, 11, 16)
    facts = _record(facts, "transport-appeal-panel", "answered", dt.date(2026, 11, 27))
    assert _next(_advice(facts), "council") == ["lgsco-complaint"]


@pytest.mark.parametrize(
    ("step", "wait"),
    [
        ("health-complain-provider", "health-wait-provider"),
        ("health-complain-commissioner", "health-wait-commissioner"),
    ],
)
def test_nhs_complaint_then_the_ombudsman(step, wait):
    facts = _record(HEALTH, step, "made", dt.date(2026, 10, 5))
    advice = _advice(facts)
    assert _next(advice, "health") == [wait]
    assert _status(advice, step) == "done"
    assert _deadline(advice, "nhs-response-6-months").date == dt.date(2027, 4, 5)
    # 3 working days from Monday 5 October 2026.
    assert _deadline(advice, "nhs-acknowledge").date == dt.date(2026, 10, 8)
    facts = _record(facts, step, "answered", dt.date(2026, 11, 20))
    assert _next(_advice(facts), "health") == ["health-phso"]


def test_mediation_then_certificate_then_tribunal_appeal():
    facts: Mapping[str, object] = SEND
    assert _next(_advice(facts), "send") == ["send-mediation-meeting"]
    facts = _record(facts, "send-mediation-meeting", "made", dt.date(2026, 11, 5))
    advice = _advice(facts)
    assert _next(advice, "send") == ["send-certificate-after-mediation"]
    # 3 working days after Thursday 5 November 2026.
    assert _deadline(advice, "mediation-certificate-after-mediation").date == dt.date(2026, 11, 10)

    facts = _record(facts, "send-mediation-meeting", "answered", dt.date(2026, 11, 9))
    advice = _advice(facts)
    assert _next(advice, "send") == ["send-tribunal-appeal"]
    # The later of 1 December 2026 (2 months after the decision) and 9 December 2026 (1 month
    # after the certificate).
    assert _deadline(advice, "tribunal-appeal-deadline").date == dt.date(2026, 12, 9)

    facts = _record(facts, "send-tribunal-appeal", "made", dt.date(2026, 11, 20))
    advice = _advice(facts)
    assert _next(advice, "send") == ["send-tribunal-in-progress"]
    assert _status(advice, "send-tribunal-appeal") == "done"


def test_the_certificate_without_mediation_is_recorded_as_the_mediation_advisers_answer():
    facts = ANSWER_ONLY_STARTS["send-mediation-adviser"]
    assert _next(_advice(facts), "send") == ["send-certificate-no-mediation"]
    facts = _record(facts, "send-mediation-adviser", "answered", dt.date(2026, 10, 22))
    assert facts["mediation_certificate_date"] == "2026-10-22"
    assert _next(_advice(facts), "send") == ["send-tribunal-appeal"]


# --- every record block, checked the same way -----------------------------------------------


def _recordable_steps(kind: str) -> list[str]:
    out = []
    for step_id, step in RULES.step_index.items():
        record = step.spec.record
        if record is not None and (getattr(record, kind) or getattr(record, f"{kind}_date")):
            out.append(step_id)
    return out


def test_every_step_that_can_be_recorded_as_made_has_a_start_in_these_tests():
    assert set(_recordable_steps("made")) == set(STARTS)
    answer_only = set(_recordable_steps("answered")) - set(_recordable_steps("made"))
    assert answer_only == set(ANSWER_ONLY_STARTS)


@pytest.mark.parametrize("step_id", sorted(STARTS))
def test_recording_a_step_as_made_marks_it_done_and_moves_the_advice_on(step_id):
    before = _advice(STARTS[step_id])
    route = RULES.step(step_id).route
    if step_id in NOT_RECOMMENDED:
        assert _status(before, step_id) == "open"
    else:
        assert step_id in _next(before, route)
    record = RULES.step(step_id).spec.record
    assert record is not None

    facts = _record(STARTS[step_id], step_id, "made", TODAY)
    after = _advice(facts)
    assert _status(after, step_id) == "done"
    assert step_id not in _next(after, route)
    assert _next(after, route), "something must come next once a step is made"
    assert _next(after, route) != _next(before, route)
    if record.made_date:
        assert facts[record.made_date] == TODAY.isoformat()
    if record.response_due:
        due = _deadline(after, record.response_due)
        assert due.start_date == TODAY
        assert due.date is not None
        assert due.date > TODAY

    if record.answered or record.answered_date:
        later = TODAY + dt.timedelta(days=1)
        answered = _record(facts, step_id, "answered", later)
        final = _advice(answered, later)
        # Done, or no longer shown (mediation, once the certificate has come).
        assert _status(final, step_id) in ("done", None)
        assert step_id not in _next(final, route)
        assert _next(final, route) != _next(after, route)
        if record.answered_date:
            assert answered[record.answered_date] == later.isoformat()


@pytest.mark.parametrize("step_id", sorted(ANSWER_ONLY_STARTS))
def test_recording_only_an_answer_moves_the_advice_on(step_id):
    route = RULES.step(step_id).route
    before = _advice(ANSWER_ONLY_STARTS[step_id])
    after = _advice(_record(ANSWER_ONLY_STARTS[step_id], step_id, "answered", TODAY))
    assert _status(after, step_id) == "done"
    assert _next(after, route)
    assert _next(after, route) != _next(before, route)
    with pytest.raises(InputError, match="has no 'made'"):
        _record(ANSWER_ONLY_STARTS[step_id], step_id, "made", TODAY)


# --- the API --------------------------------------------------------------------------------


def test_facts_after_returns_new_facts_and_leaves_the_given_ones_alone():
    given = dict(STARTS["council-formal-complaint"])
    copy = dict(given)
    result = _record(given, "council-formal-complaint", "made", dt.date(2026, 11, 2))
    assert given == copy
    assert result is not given
    assert result == {
        **copy,
        "council_complaint_stage": "complaint_made",
        "council_complaint_date": "2026-11-02",
    }


def test_facts_after_replaces_an_earlier_answer_and_keeps_dates_already_recorded():
    facts = _record(CSC, "csc-stage-1", "made", dt.date(2026, 9, 7))
    facts = _record(facts, "csc-stage-1", "answered", dt.date(2026, 9, 18))
    assert facts["csc_stage"] == "stage1_answered"
    assert facts["council_complaint_date"] == "2026-09-07"


def test_recordable_gives_the_block_or_none():
    record = recordable(RULES, "transport-review")
    assert record is not None
    assert record.response_due == "transport-review-decision"
    assert recordable(RULES, "school-ofsted") is None


@pytest.mark.parametrize(
    ("step_id", "kind", "message"),
    [
        ("no-such-step", "made", "there is no step called 'no-such-step'"),
        ("school-ofsted", "made", "step 'school-ofsted' has nothing to record"),
        ("school-talk-teacher", "answered", "has no 'answered' in its record block"),
        ("school-formal-complaint", "resolved", "'resolved' is not something a family can record"),
    ],
)
def test_facts_after_refuses_what_cannot_be_recorded(step_id, kind, message):
    with pytest.raises(InputError, match=message):
        _record(SCHOOL, step_id, kind, TODAY)
    if step_id == "no-such-step":
        with pytest.raises(InputError, match=message):
            recordable(RULES, step_id)
