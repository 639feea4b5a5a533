"""Loading packs: an area pack overlays the national one, and a broken pack is refused whole.

The fixture packs live in tests/fixtures/packs (see its README). Broken packs are made by copying
a fixture into a temporary folder and damaging the copy; the fixtures themselves stay valid.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sendroute.rules import PackError, RuleSet, load_ruleset, load_ruleset_from
from sendroute.rules import packs as packs_module
from sendroute.rules.packs import BUILTIN_PACKS

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "packs"


@pytest.fixture(scope="module")
def testshire() -> RuleSet:
    return load_ruleset_from(FIXTURES / "testshire", search=())


@pytest.fixture(scope="module")
def testland() -> RuleSet:
    return load_ruleset_from(FIXTURES / "testland", search=())


@pytest.fixture(scope="module")
def england() -> RuleSet:
    return load_ruleset_from(BUILTIN_PACKS / "england")


@pytest.fixture(scope="module")
def suffolk() -> RuleSet:
    return load_ruleset_from(FIXTURES / "second-area")


@pytest.fixture
def packs(tmp_path: Path) -> Path:
    """A copy of testland and testshire to damage."""
    for name in ("testland", "testshire"):
        shutil.copytree(FIXTURES / name, tmp_path / name)
    return tmp_path


def _edit(path: Path, old: str, new: str) -> int:
    """Replace ``old`` (which must occur once) in a copied file; return the 1-based line of it."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} should occur once in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def _refused(folder: Path) -> PackError:
    """Load ``folder``, which must fail; nothing is returned, only the error."""
    result = None
    with pytest.raises(PackError) as caught:
        result = load_ruleset_from(folder, search=())
    assert result is None
    return caught.value


# --- valid fixture packs -------------------------------------------------------------------


def test_the_national_fixture_pack_loads_on_its_own(testland):
    assert testland.area.id == "testland"
    assert testland.area.kind == "national"
    assert [p.id for p in testland.packs] == ["testland"]
    assert [s.spec.id for s in testland.routes[0].steps] == [
        "council-complain",
        "council-wait",
        "council-ombudsman",
    ]


def test_an_area_pack_is_laid_over_the_pack_it_extends(testshire):
    assert testshire.area.id == "testshire"
    assert [(p.id, p.kind) for p in testshire.packs] == [
        ("testland", "national"),
        ("testshire", "area"),
    ]


def test_an_area_body_overlay_merges_key_by_key(testshire, testland):
    council = testshire.bodies["council"]
    assert council.name == "Testshire County Council"
    assert council.contact.phone == "01234 567890"
    assert council.contact.website == "https://example.org/testshire/complaints"
    # Keys the overlay does not mention keep their national values.
    assert council.explain == testland.bodies["council"].explain
    assert council.contact.notes == testland.bodies["council"].contact.notes
    # A list is replaced whole.
    assert council.cite == ("R-TSH-01",)
    assert testshire.bodies["ombudsman"] == testland.bodies["ombudsman"]


def test_an_area_route_overlay_merges_steps_by_id_and_adds_new_ones_at_the_end(testshire, testland):
    (route,) = testshire.routes
    assert [s.spec.id for s in route.steps] == [
        "council-complain",
        "council-wait",
        "council-ombudsman",
        "council-local-review",
    ]
    complain = testshire.step("council-complain").spec
    national = testland.step("council-complain").spec
    assert complain.action == "Use Testshire's online complaints form."
    assert complain.model_dump(exclude={"action"}) == national.model_dump(exclude={"action"})


def test_an_area_pack_adds_deadlines_warnings_and_citations(testshire, testland):
    assert set(testshire.deadlines) == {*testland.deadlines, "local-review-time-limit"}
    assert [w.spec.id for w in testshire.warnings] == ["child-at-risk", "testshire-helpline"]
    assert set(testshire.citations) == {*testland.citations, "R-TSH-01"}


def test_loading_does_not_change_the_pack_it_extends(testland):
    again = load_ruleset_from(FIXTURES / "testland", search=())
    assert again.bodies["council"] == testland.bodies["council"]
    assert again.bodies["council"].contact.phone is None


# --- a second area over the real england pack ----------------------------------------------


def test_a_second_area_overlays_the_lado_contact_details(suffolk, england):
    lado = suffolk.bodies["lado"]
    assert lado.contact.phone == "01473 000000"
    assert lado.contact.email == "lado@example.org"
    assert lado.contact.website == "https://example.org/suffolk-test/lado"
    assert lado.name == england.bodies["lado"].name
    assert lado.cite == ("R-SFK-01",)


def test_a_second_area_leaves_the_other_national_bodies_unchanged(suffolk, england):
    assert set(suffolk.bodies) == set(england.bodies)
    for body_id, body in england.bodies.items():
        if body_id != "lado":
            assert suffolk.bodies[body_id] == body, body_id


def test_a_second_area_keeps_every_national_step_deadline_and_warning(suffolk, england):
    def step_ids(rules):
        return [(r.spec.id, [s.spec.id for s in r.steps]) for r in rules.routes]

    assert step_ids(suffolk) == step_ids(england)
    assert set(suffolk.deadlines) == set(england.deadlines)
    assert [w.spec.id for w in suffolk.warnings] == [
        *(w.spec.id for w in england.warnings),
        "suffolk-test-lado-hours",
    ]


def test_norfolks_overlay_does_not_leak_into_another_area(suffolk, england):
    norfolk = load_ruleset("norfolk")
    assert [p.id for p in suffolk.packs] == ["england", "suffolk-test"]
    assert suffolk.bodies["lado"].contact != norfolk.bodies["lado"].contact
    for kind in ("citations", "bodies", "deadlines"):
        norfolk_only = set(getattr(norfolk, kind)) - set(getattr(england, kind))
        assert not norfolk_only & set(getattr(suffolk, kind)), kind
    norfolk_warnings = {w.spec.id for w in norfolk.warnings} - {w.spec.id for w in england.warnings}
    assert not norfolk_warnings & {w.spec.id for w in suffolk.warnings}
    # Bodies that Norfolk overlays keep their national form in the other area.
    for body_id, body in norfolk.bodies.items():
        if body_id != "lado" and body != england.bodies.get(body_id):
            assert suffolk.bodies[body_id] == england.bodies[body_id], body_id


# --- broken packs are refused, naming the file and the line or field ------------------------


def test_malformed_yaml_is_refused_with_its_file_and_line(packs):
    path = packs / "testland" / "warnings" / "risk.yaml"
    line = _edit(path, "severity: urgent", "severity: [urgent")
    error = _refused(packs / "testshire")
    assert error.file == str(path)
    # The parser notices the unclosed bracket on the next line.
    assert error.line in (line, line + 1)
    assert str(error).startswith(f"{path}, line {error.line}: ")


def test_a_duplicate_key_is_refused_with_its_file_and_line(packs):
    path = packs / "testland" / "bodies" / "bodies.yaml"
    line = _edit(path, "  name: The Ombudsman\n", "  name: The Ombudsman\n  name: Ombudsman\n")
    error = _refused(packs / "testshire")
    assert error.file == str(path)
    assert error.line == line + 1
    assert "'name' appears twice" in str(error)


def test_a_duplicate_id_is_refused_naming_both_files(packs):
    first = packs / "testland" / "bodies" / "bodies.yaml"
    second = packs / "testland" / "bodies" / "more.yaml"
    second.write_text("# another body\nid: council\nname: A second council\n", encoding="utf-8")
    error = _refused(packs / "testshire")
    assert "'council' is used twice" in error.message
    assert (error.file, error.line) == (str(second), 2)
    assert str(first) in error.message


def test_an_unknown_field_is_refused_with_its_file_line_and_field(packs):
    path = packs / "testland" / "facts" / "common.yaml"
    line = _edit(
        path,
        "  why: Time limits count from this day.\n",
        "  why: Time limits count from this day.\n  colour: blue\n",
    )
    error = _refused(packs / "testshire")
    assert (error.file, error.line, error.field) == (str(path), line + 1, "colour")
    assert "not part of the pack format" in error.message


def test_an_unknown_field_in_an_area_overlay_names_the_area_file(packs):
    path = packs / "testshire" / "bodies" / "council.yaml"
    line = _edit(path, "  phone: 01234 567890\n", "  phone: 01234 567890\n  fax: 01234 000000\n")
    error = _refused(packs / "testshire")
    assert (error.file, error.line, error.field) == (str(path), line + 1, "contact.fax")


def test_a_mistake_in_a_national_step_is_reported_in_the_national_file_after_an_overlay(packs):
    # testshire overlays the council route, but the damaged step comes from testland's file.
    path = packs / "testland" / "routes" / "council.yaml"
    line = _edit(path, "    how: [online]", "    how: [by_pigeon]")
    error = _refused(packs / "testshire")
    assert (error.file, error.line) == (str(path), line)
    assert error.field == "steps.2.how.0"


def test_a_missing_citation_id_is_refused_with_its_file_and_field(packs):
    path = packs / "testland" / "deadlines" / "council.yaml"
    line = _edit(
        path,
        "  discretion: The council may accept a late complaint.\n  cite: [R-TEST-01]",
        "  discretion: The council may accept a late complaint.\n  cite: [R-TEST-99]",
    )
    error = _refused(packs / "testshire")
    assert (error.file, error.field) == (str(path), "complaint-time-limit")
    assert error.line == line + 1
    assert "'R-TEST-99'" in error.message


def test_a_condition_naming_an_unknown_fact_is_refused_with_its_file_and_field(packs):
    path = packs / "testshire" / "warnings" / "local.yaml"
    line = _edit(path, "{condition: about-council}", "{fact: concern_abut, includes: council}")
    error = _refused(packs / "testshire")
    assert (error.file, error.line, error.field) == (str(path), line, "testshire-helpline.when")
    assert "unknown fact 'concern_abut'" in error.message


def test_a_wrong_value_for_a_choice_fact_is_refused_with_its_file_and_field(packs):
    path = packs / "testland" / "routes" / "council.yaml"
    line = _edit(path, "is: not_started}", "is: not_begun}")
    error = _refused(packs / "testshire")
    assert (error.file, error.line) == (str(path), line)
    assert error.field == "council.steps.council-complain.recommend"
    assert "'not_begun' is not a value of fact 'council_stage'" in error.message


def test_a_mistake_in_a_named_condition_is_reported_in_its_own_file(packs):
    path = packs / "testland" / "conditions" / "council.yaml"
    line = _edit(path, "includes: council}", "includes: councils}")
    error = _refused(packs / "testshire")
    assert (error.file, error.line) == (str(path), line)
    assert error.field == "condition about-council"


def test_an_unknown_counting_method_is_refused_with_its_file_and_field(packs):
    path = packs / "testland" / "deadlines" / "council.yaml"
    line = _edit(path, "  method: working_days_after\n", "  method: school_days_after\n")
    error = _refused(packs / "testshire")
    assert (error.file, error.line, error.field) == (str(path), line, "council-response")
    assert "unknown counting method 'school_days_after'" in error.message


def test_a_deadline_start_that_is_not_a_date_fact_is_refused(packs):
    path = packs / "testland" / "deadlines" / "council.yaml"
    line = _edit(path, "  start: problem_date\n", "  start: council_stage\n")
    error = _refused(packs / "testshire")
    assert (error.file, error.line, error.field) == (str(path), line, "complaint-time-limit")
    assert "the start 'council_stage' must be a date fact" in error.message


def test_a_deadline_start_that_is_no_fact_at_all_is_refused(packs):
    path = packs / "testshire" / "deadlines" / "local.yaml"
    line = _edit(path, "  start: answer_date\n", "  start: answered_on\n")
    error = _refused(packs / "testshire")
    assert (error.file, error.line, error.field) == (str(path), line, "local-review-time-limit")


def test_a_non_yaml_file_in_a_pack_folder_is_refused(packs):
    path = packs / "testland" / "routes" / "notes.txt"
    path.write_text("remember to add the school route\n", encoding="utf-8")
    error = _refused(packs / "testshire")
    assert error.file == str(path)
    assert "YAML data only" in error.message


def test_an_area_pack_extending_a_pack_that_does_not_exist_is_refused(packs):
    path = packs / "testshire" / "pack.yaml"
    _edit(path, "extends: testland", "extends: testlandia")
    error = _refused(packs / "testshire")
    assert error.file == str(path)
    assert "extends 'testlandia'" in error.message


# --- record blocks: the facts a step sets when a family records doing it ---------------------

RECORD_MADE = "      made: {council_stage: complained}\n"
COMPLAIN_STEP = "council.steps.council-complain.record"


def test_a_record_block_loads_with_its_facts_and_deadline(testland, testshire):
    record = testland.step("council-complain").spec.record
    assert record is not None
    assert record.made == {"council_stage": "complained"}
    assert (record.made_date, record.response_due) == ("complaint_date", "council-response")
    assert record.answered == {"council_stage": "answered"}
    assert record.answered_date == "answer_date"
    # The area overlay of the step changes its action only: the record block is kept.
    assert testshire.step("council-complain").spec.record == record


def test_a_record_block_setting_an_unknown_fact_is_refused(packs):
    path = packs / "testland" / "routes" / "council.yaml"
    line = _edit(path, RECORD_MADE, "      made: {council_stag: complained}\n")
    error = _refused(packs / "testshire")
    assert (error.file, error.line, error.field) == (
        str(path),
        line,
        f"{COMPLAIN_STEP}.made.council_stag",
    )
    assert "sets fact 'council_stag', which is not in facts/" in error.message


def test_a_record_block_setting_a_choice_fact_to_a_value_it_does_not_have_is_refused(packs):
    path = packs / "testland" / "routes" / "council.yaml"
    line = _edit(
        path,
        "      answered: {council_stage: answered}\n",
        "      answered: {council_stage: done}\n",
    )
    error = _refused(packs / "testshire")
    assert (error.file, error.line, error.field) == (
        str(path),
        line,
        f"{COMPLAIN_STEP}.answered.council_stage",
    )
    assert "to 'done'" in error.message
    assert "not_started, complained, answered" in error.message


@pytest.mark.parametrize(
    ("assignment", "problem"),
    [
        ("child_at_risk: 'true'", "must be true or false"),
        ("child_at_risk: 1", "must be true or false"),
        ("problem_date: 31/12/2026", "must be a real date written as YYYY-MM-DD"),
        ("problem_date: 2026-02-31", "must be a real date written as YYYY-MM-DD"),
        ("problem_date: true", "must be a real date written as YYYY-MM-DD"),
        ("child_age: 30", "must be at most 25"),
        ("child_age: 'ten'", "must be a number"),
        ("concern_about: council", "must be a list of one or more of the fact's values"),
        ("concern_about: [council, school]", "must be a list of one or more of the fact's values"),
    ],
)
def test_a_record_block_value_of_the_wrong_type_is_refused(packs, assignment, problem):
    path = packs / "testland" / "routes" / "council.yaml"
    line = _edit(path, RECORD_MADE, f"      made: {{council_stage: complained, {assignment}}}\n")
    error = _refused(packs / "testshire")
    name = assignment.split(":")[0]
    assert (error.file, error.line, error.field) == (
        str(path),
        line,
        f"{COMPLAIN_STEP}.made.{name}",
    )
    assert problem in error.message


def test_a_record_block_may_set_a_date_a_list_and_a_number(packs):
    path = packs / "testland" / "routes" / "council.yaml"
    _edit(
        path,
        RECORD_MADE,
        "      made: {council_stage: complained, problem_date: 2026-02-28,"
        " concern_about: [council], child_age: 7, child_at_risk: false}\n",
    )
    record = load_ruleset_from(packs / "testshire", search=()).step("council-complain").spec.record
    assert record is not None
    assert record.made["problem_date"] == "2026-02-28"
    assert record.made["concern_about"] == ["council"]


@pytest.mark.parametrize("name", ["council_stage", "complaint_day"])
def test_a_record_date_that_is_not_a_date_fact_is_refused(packs, name):
    path = packs / "testland" / "routes" / "council.yaml"
    line = _edit(path, "      made_date: complaint_date\n", f"      made_date: {name}\n")
    error = _refused(packs / "testshire")
    assert (error.file, error.line, error.field) == (str(path), line, f"{COMPLAIN_STEP}.made_date")
    assert f"made_date names {name!r}, which must be a date fact" in error.message


def test_an_answered_date_that_is_not_a_date_fact_is_refused(packs):
    path = packs / "testland" / "routes" / "council.yaml"
    line = _edit(path, "      answered_date: answer_date\n", "      answered_date: child_age\n")
    error = _refused(packs / "testshire")
    assert (error.file, error.line, error.field) == (
        str(path),
        line,
        f"{COMPLAIN_STEP}.answered_date",
    )


def test_a_record_date_also_set_as_an_assignment_is_refused(packs):
    path = packs / "testland" / "routes" / "council.yaml"
    _edit(
        path, RECORD_MADE, "      made: {council_stage: complained, complaint_date: 2026-01-05}\n"
    )
    error = _refused(packs / "testshire")
    assert error.field == f"{COMPLAIN_STEP}.made_date"
    assert "set both in 'made' and as made_date" in error.message


def test_a_response_due_naming_an_unknown_deadline_is_refused(packs):
    path = packs / "testland" / "routes" / "council.yaml"
    line = _edit(
        path, "      response_due: council-response\n", "      response_due: council-reply\n"
    )
    error = _refused(packs / "testshire")
    assert (error.file, error.line, error.field) == (
        str(path),
        line,
        f"{COMPLAIN_STEP}.response_due",
    )
    assert "deadline 'council-reply', which is not in deadlines/" in error.message


def test_a_response_due_that_does_not_count_from_made_date_is_refused(packs):
    path = packs / "testland" / "routes" / "council.yaml"
    line = _edit(
        path, "      response_due: council-response\n", "      response_due: complaint-time-limit\n"
    )
    error = _refused(packs / "testshire")
    assert (error.file, error.line, error.field) == (
        str(path),
        line,
        f"{COMPLAIN_STEP}.response_due",
    )
    assert "counts from 'problem_date', not from made_date 'complaint_date'" in error.message


def test_a_response_due_needs_a_made_date(packs):
    path = packs / "testland" / "routes" / "council.yaml"
    _edit(path, "      made_date: complaint_date\n", "")
    error = _refused(packs / "testshire")
    assert error.field == f"{COMPLAIN_STEP}.response_due"
    assert "response_due needs made_date" in error.message


def test_a_response_due_may_count_from_one_of_the_later_of_starts(packs):
    path = packs / "testland" / "routes" / "council.yaml"
    _edit(path, "      made_date: complaint_date\n", "      made_date: answer_date\n")
    _edit(path, "      answered_date: answer_date\n", "")
    _edit(path, "response_due: council-response", "response_due: ombudsman-time-limit")
    rules = load_ruleset_from(packs / "testshire", search=())
    record = rules.step("council-complain").spec.record
    assert record is not None
    assert record.response_due == "ombudsman-time-limit"
    # But not when made_date is none of its starts.
    _edit(path, "      made_date: answer_date\n", "      made_date: complaint_date\n")
    error = _refused(packs / "testshire")
    assert "counts from 'problem_date' or 'answer_date'" in error.message


def test_an_unknown_field_in_a_record_block_is_refused(packs):
    path = packs / "testland" / "routes" / "council.yaml"
    line = _edit(path, RECORD_MADE, RECORD_MADE + "      resolved: {council_stage: answered}\n")
    error = _refused(packs / "testshire")
    assert (error.file, error.line, error.field) == (str(path), line + 1, "steps.0.record.resolved")
    assert "not part of the pack format" in error.message


def test_an_empty_record_block_is_refused(packs):
    path = packs / "testland" / "routes" / "council.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("    record:\n")
    end = text.index("      answered_date: answer_date\n") + len(
        "      answered_date: answer_date\n"
    )
    path.write_text(text[:start] + "    record: {}\n" + text[end:], encoding="utf-8")
    error = _refused(packs / "testshire")
    assert (error.file, error.field) == (str(path), COMPLAIN_STEP)
    assert error.line == text[:start].count("\n") + 1
    assert "must set at least one fact" in error.message


def test_a_mistake_in_an_area_record_overlay_names_the_area_file(packs):
    path = packs / "testshire" / "routes" / "council.yaml"
    line = _edit(
        path,
        "    action: Use Testshire's online complaints form.\n",
        "    action: Use Testshire's online complaints form.\n"
        "    record:\n      answered: {council_stage: finished}\n",
    )
    error = _refused(packs / "testshire")
    assert (error.file, error.line, error.field) == (
        str(path),
        line + 2,
        f"{COMPLAIN_STEP}.answered.council_stage",
    )
    assert "to 'finished'" in error.message


# --- a broken pack never loads in part -----------------------------------------------------


def test_a_broken_area_file_refuses_the_whole_pack_even_when_the_national_one_is_fine(packs):
    # The warnings are checked last, after everything else has compiled.
    _edit(packs / "testshire" / "warnings" / "local.yaml", "cite: [R-TSH-01]", "cite: [R-TSH-02]")
    error = _refused(packs / "testshire")
    assert "'R-TSH-02'" in error.message
    # The national pack alone still loads: the error belongs to the area pack only.
    assert load_ruleset_from(packs / "testland", search=()).area.id == "testland"


def test_a_failed_load_is_not_cached_and_a_repaired_pack_then_loads(packs, monkeypatch):
    monkeypatch.setattr(packs_module, "BUILTIN_PACKS", packs)
    real_available = packs_module.available_areas
    monkeypatch.setattr(packs_module, "available_areas", lambda root=packs: real_available(root))
    path = packs / "testshire" / "routes" / "council.yaml"
    _edit(path, "    body: council\n    action: Ask", "    body: county-hall\n    action: Ask")
    load_ruleset.cache_clear()
    try:
        result = None
        with pytest.raises(PackError, match="'county-hall'"):
            result = load_ruleset("testshire")
        assert result is None
        with pytest.raises(PackError, match="'county-hall'"):
            load_ruleset("testshire")  # the broken pack is read again, not served from a cache
        _edit(path, "    body: county-hall\n", "    body: council\n")
        repaired = load_ruleset("testshire")
        assert repaired.area.id == "testshire"
        assert load_ruleset("testshire") is repaired  # only a good load is cached
    finally:
        load_ruleset.cache_clear()
