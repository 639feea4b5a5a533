"""Every citation in the Norfolk rule set is true to its source, used, and the source is fully cited.

Checked against the source document (shared/seed/complaints-and-disagreement-resolution.txt) and
the research catalogue (shared/research/domain.md). Set SENDROUTE_SHARED to the folder holding
``seed/`` and ``research/`` if it is not next to the repository.

Each check is a function returning a list of problems, so the negative tests at the end can run
the same check on a tampered copy of the data (never the real files) and see it fail.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

from sendroute.rules import RuleSet, load_ruleset
from sendroute.rules.model import Citation

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SENDROUTE_SHARED", ROOT.parent / "shared"))
SEED = SHARED / "seed" / "complaints-and-disagreement-resolution.txt"
DOMAIN = SHARED / "research" / "domain.md"

if not (SEED.is_file() and DOMAIN.is_file()):  # pragma: no cover - depends on the checkout
    # Fail loudly: the citation checks must never be skipped without anyone noticing.
    raise FileNotFoundError(
        f"the source document and research catalogue are not at {SHARED}: check out shared/ "
        "beside the project, or set SENDROUTE_SHARED to its folder"
    )

# --- the source document ------------------------------------------------------------------

LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
# A link that ends a line after other text is a sentence of its own: the seed writes
# "... contact LADO (Local Authority Designated Officer) [Local Authority Designated Officer -
# Norfolk County Council](#)", which is a rule sentence followed by the name of a web page.
TRAILING_LINK = re.compile(r"^(.*\S)\s+(\[[^\]]*\]\([^)]*\))\s*$")
# Sentences end at ". " or ": " (the punctuation stays with the sentence before it).
SENTENCE_END = re.compile(r"(?<=[.:])\s+")
LIST_MARKER = re.compile(r"^\s*-\s+")

# Lines of the source document that state no rule, so need no citation.
HEADINGS = {
    "Complaints and Disagreement Resolution",  # the page title (also repeated at the end)
    "School",
    "Health",
    "Local Authority",
    "Disagreement Resolution",
}
# Lines that are only the name of a linked web page. They are left out ONLY when no citation
# quotes them; an area pack that uses one (for example for contact details) cites it.
LINK_ONLY = {
    "Compliments and complaints - Norfolk County Council",
    "Local Government and Social Care Ombudsman",
    "Local Authority Designated Officer - Norfolk County Council",
}


def normalise(text: str) -> str:
    """The seed as citations quote it: link syntax dropped (its text kept), \\( \\) unescaped."""
    return LINK.sub(r"\1", text).replace("\\(", "(").replace("\\)", ")")


def sentences(text: str) -> list[str]:
    """The sentences of the seed: each non-blank line, list markers removed, split at '. ' and
    ': ', with a line-ending link after other text split off as a sentence of its own."""
    found: list[str] = []
    for raw in text.splitlines():
        if not raw.strip():
            continue
        match = TRAILING_LINK.match(raw)
        parts = [match.group(1), match.group(2)] if match else [raw]
        for part in parts:
            line = LIST_MARKER.sub("", normalise(part)).strip()
            found += [s.strip() for s in SENTENCE_END.split(line) if s.strip()]
    return found


def quotes_of(citations: Mapping[str, Citation]) -> list[str]:
    return [c.quote for c in citations.values() if c.kind == "source_document" and c.quote]


def rule_sentences(text: str, quotes: list[str]) -> list[str]:
    """The seed's sentences that state something and so must be quoted by some citation."""
    return [
        s
        for s in sentences(text)
        if s not in HEADINGS and not (s in LINK_ONLY and not any(s in q for q in quotes))
    ]


def misquoted(citations: Mapping[str, Citation], seed_text: str) -> list[str]:
    """Source-document citations whose quote is not verbatim in the (normalised) seed."""
    seed = normalise(seed_text)
    return [
        f"{c.id}: {c.quote!r}"
        for c in citations.values()
        if c.kind == "source_document" and (not c.quote or c.quote not in seed)
    ]


def unquoted(citations: Mapping[str, Citation], seed_text: str) -> list[str]:
    """Rule sentences of the seed that no citation quotes."""
    quotes = quotes_of(citations)
    return [s for s in rule_sentences(seed_text, quotes) if not any(s in q for q in quotes)]


# --- the research catalogue ---------------------------------------------------------------

ENTRY = re.compile(r"^- \*\*id\*\*: (R-[A-Z]+-\d{2})\s*$", re.MULTILINE)
END_OF_SECTION = re.compile(r"^(?:## |---\s*$)", re.MULTILINE)
STATUS_WORD = re.compile(r"\b(UNVERIFIED|VERIFIED|CONTRADICTED)\b")
# A web address in domain.md. One that the catalogue cut short with "…" cannot be cited, so a
# citation may leave out its url only when its entry gives no complete address.
URL = re.compile(r"https?://[^\s)\"';,]+")


def domain_entries(text: str) -> dict[str, str]:
    """Each rule's entry in domain.md: from its id line to the next rule or section."""
    entries: dict[str, str] = {}
    starts = list(ENTRY.finditer(text))
    for i, match in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(text)
        section = END_OF_SECTION.search(text, match.end(), end)
        entries[match.group(1)] = text[match.start() : section.start() if section else end]
    return entries


def status_of(entry: str) -> str:
    """The entry's status text: the '- status:' line and any lines indented under it."""
    lines = entry.splitlines()
    for i, line in enumerate(lines):
        if line.lstrip().startswith("- status:"):
            indent = len(line) - len(line.lstrip())
            status = [line.split("- status:", 1)[1]]
            for more in lines[i + 1 :]:
                if more.strip() and len(more) - len(more.lstrip()) <= indent:
                    break
                status.append(more)
            return "\n".join(status)
    return ""


def first_status_word(text: str | None) -> str | None:
    """VERIFIED, UNVERIFIED or CONTRADICTED: the first of these words in a status.

    Statuses often start with what they are about ("reg 13 wording VERIFIED ...", "Stage 1
    VERIFIED ...", "still UNVERIFIED ..."), so the first status word is compared, not the first
    word.
    """
    match = STATUS_WORD.search(text or "")
    return match.group(1) if match else None


def wrong_domain_rules(citations: Mapping[str, Citation], domain_text: str) -> list[str]:
    """Domain-rule citations whose id, url or status does not match domain.md.

    The url must appear in the rule's own entry. A citation may have no url only when the entry
    has no complete web address (R-LGO-12 points elsewhere; R-TIME-03's address is cut short).
    """
    entries = domain_entries(domain_text)
    problems = []
    for c in citations.values():
        if c.kind != "domain_rule":
            continue
        entry = entries.get(c.id)
        if entry is None:
            problems.append(f"{c.id}: no such rule in domain.md")
            continue
        if c.url is None:
            if any("\u2026" not in url for url in URL.findall(entry)):
                problems.append(f"{c.id}: has no url, but its entry in domain.md gives one")
        elif c.url not in entry:
            problems.append(f"{c.id}: url {c.url!r} is not in the rule's entry")
        want = first_status_word(status_of(entry))
        got = first_status_word(c.status)
        if want is None or got != want:
            problems.append(f"{c.id}: status {c.status!r} does not match domain.md's {want}")
    return problems


# --- how citations are used ---------------------------------------------------------------


def citation_uses(rules: RuleSet) -> dict[str, list[str]]:
    """Where each citation id is cited from: 'fact x', 'step y', 'deadline z version 2026-04-01'."""
    uses: dict[str, list[str]] = {}

    def add(ids: Iterable[str], where: str) -> None:
        for cid in ids:
            uses.setdefault(cid, []).append(where)

    for fact in rules.facts.values():
        add(fact.cite, f"fact {fact.id}")
    for body in rules.bodies.values():
        add(body.cite, f"body {body.id}")
    for route in rules.routes:
        add(route.spec.cite, f"route {route.spec.id}")
        for step in route.steps:
            add(step.spec.cite, f"step {step.spec.id}")
            for reason in (*step.spec.requires, *step.spec.exclusions):
                add(reason.cite, f"reason of step {step.spec.id}")
    for dl in rules.deadlines.values():
        add(dl.spec.cite, f"deadline {dl.spec.id}")
        for version in dl.spec.versions:
            add(version.cite, f"deadline {dl.spec.id} version {version.effective}")
    for warning in rules.warnings:
        add(warning.spec.cite, f"warning {warning.spec.id}")
    return uses


def unused(rules: RuleSet) -> list[str]:
    uses = citation_uses(rules)
    return sorted(cid for cid in rules.citations if cid not in uses)


def uncited(rules: RuleSet) -> list[str]:
    """Steps, reasons, deadlines and warnings with no citation."""
    missing = []
    for route in rules.routes:
        for step in route.steps:
            if not step.spec.cite:
                missing.append(f"step {step.spec.id}")
            for reason in (*step.spec.requires, *step.spec.exclusions):
                if not reason.cite:
                    missing.append(f"reason {reason.text!r} of step {step.spec.id}")
    missing += [f"deadline {k}" for k, dl in rules.deadlines.items() if not dl.spec.cite]
    missing += [f"warning {w.spec.id}" for w in rules.warnings if not w.spec.cite]
    return missing


# --- fixtures -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def norfolk() -> RuleSet:
    return load_ruleset("norfolk")


@pytest.fixture(scope="module")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def domain_text() -> str:
    return DOMAIN.read_text(encoding="utf-8")


# --- the real data ------------------------------------------------------------------------


def test_every_source_document_quote_is_verbatim_in_the_seed(norfolk, seed_text):
    problems = misquoted(norfolk.citations, seed_text)
    assert not problems, "not verbatim in the seed:\n" + "\n".join(problems)


def test_every_domain_rule_citation_matches_its_entry_in_domain_md(norfolk, domain_text):
    problems = wrong_domain_rules(norfolk.citations, domain_text)
    assert not problems, "\n".join(problems)


def test_every_citation_is_used_by_a_rule(norfolk):
    problems = unused(norfolk)
    assert not problems, "cited by no fact, body, route, step, deadline or warning: " + ", ".join(
        problems
    )


def test_every_step_reason_deadline_and_warning_has_a_citation(norfolk):
    problems = uncited(norfolk)
    assert not problems, "no citation: " + ", ".join(problems)


def test_every_rule_sentence_of_the_seed_is_quoted_by_a_citation(norfolk, seed_text):
    problems = unquoted(norfolk.citations, seed_text)
    assert not problems, "quoted by no citation:\n" + "\n".join(problems)


# --- the checks themselves ----------------------------------------------------------------


def test_sentences_drop_link_syntax_and_split_a_trailing_link(seed_text):
    found = sentences(seed_text)
    assert "You can complain to the Department for Education (DfE) directly if:" in found
    assert "a child is at risk" in found
    assert "Local Authority Designated Officer - Norfolk County Council" in found
    assert (
        "If your complaint is about an allegation of abuse at the educational setting you can "
        "contact LADO (Local Authority Designated Officer)"
    ) in found
    assert "You may be able to obtain funding through legal aid." in found
    assert not any("](" in s or "\\(" in s for s in found)


def test_sentences_split_at_full_stops_and_colons():
    assert sentences("One rule. Another rule: a list\n\n- an item\n") == [
        "One rule.",
        "Another rule:",
        "a list",
        "an item",
    ]


def test_headings_are_not_rule_sentences(seed_text, norfolk):
    found = rule_sentences(seed_text, quotes_of(norfolk.citations))
    assert not HEADINGS & set(found)


def test_every_allowlisted_line_is_a_sentence_of_the_seed(seed_text):
    # An allowlist entry that no longer matches the seed would hide nothing; keep it exact.
    assert set(sentences(seed_text)) >= (HEADINGS | LINK_ONLY)


def test_a_link_only_line_must_be_quoted_when_no_allowlist_applies():
    text = "A rule.\n\n[Some other web page](#)\n"
    assert rule_sentences(text, []) == ["A rule.", "Some other web page"]


def test_domain_entries_end_at_the_next_rule_or_section(domain_text):
    entries = domain_entries(domain_text)
    assert "R-LGO-01" in entries
    assert entries["R-LGO-01"].count("- **id**:") == 1
    assert "## " not in entries["R-NFK-07"]


def test_the_first_status_word_reads_past_a_leading_qualifier():
    assert first_status_word("reg 13 wording VERIFIED (primary); x UNVERIFIED") == "VERIFIED"
    assert first_status_word("still UNVERIFIED for 14 days; VERIFIED for the rest") == "UNVERIFIED"
    assert first_status_word("CONTRADICTED: the value is 6") == "CONTRADICTED"
    assert first_status_word(None) is None


# --- tampered copies must fail ------------------------------------------------------------
# Each test damages an in-memory copy of the Norfolk data (or of the seed's text) and checks
# that the damage, and only the damage, is reported: problems already present in the real data
# are subtracted, so these tests prove the checks work whatever state the packs are in.


def _first(citations: Mapping[str, Citation], kind: str) -> Citation:
    return next(c for c in citations.values() if c.kind == kind)


def _with(citations: Mapping[str, Citation], *changed: Citation, drop: str = "") -> dict:
    copy = {k: v for k, v in citations.items() if k != drop}
    copy.update({c.id: c for c in changed})
    return copy


def _new(problems: list[str], baseline: list[str]) -> list[str]:
    return [p for p in problems if p not in baseline]


def test_an_altered_quote_is_caught(norfolk, seed_text):
    original = _first(norfolk.citations, "source_document")
    altered = original.model_copy(update={"quote": original.quote.replace(" ", "  ", 1)})
    problems = misquoted(_with(norfolk.citations, altered), seed_text)
    assert _new(problems, misquoted(norfolk.citations, seed_text)) == [
        f"{altered.id}: {altered.quote!r}"
    ]


def test_a_quote_with_added_words_is_caught(norfolk, seed_text):
    original = _first(norfolk.citations, "source_document")
    altered = original.model_copy(update={"quote": original.quote + " Always."})
    problems = misquoted(_with(norfolk.citations, altered), seed_text)
    assert _new(problems, misquoted(norfolk.citations, seed_text)) == [
        f"{altered.id}: {altered.quote!r}"
    ]


def test_a_wrong_domain_rule_id_is_caught(norfolk, domain_text):
    original = _first(norfolk.citations, "domain_rule")
    wrong = original.model_copy(update={"id": "R-ZZZ-99"})
    problems = wrong_domain_rules(_with(norfolk.citations, wrong, drop=original.id), domain_text)
    baseline = wrong_domain_rules(norfolk.citations, domain_text)
    assert _new(problems, baseline) == ["R-ZZZ-99: no such rule in domain.md"]


def test_a_domain_rule_citation_with_another_rules_url_is_caught(norfolk, domain_text):
    entries = domain_entries(domain_text)
    rules = [c for c in norfolk.citations.values() if c.kind == "domain_rule" and c.url]
    a = rules[0]
    other_url = next(c.url for c in rules if c.url not in entries[a.id])
    wrong = a.model_copy(update={"url": other_url})
    problems = wrong_domain_rules(_with(norfolk.citations, wrong), domain_text)
    baseline = wrong_domain_rules(norfolk.citations, domain_text)
    assert _new(problems, baseline) == [f"{a.id}: url {other_url!r} is not in the rule's entry"]


def test_a_domain_rule_citation_that_drops_its_url_is_caught(norfolk, domain_text):
    a = next(c for c in norfolk.citations.values() if c.kind == "domain_rule" and c.url)
    wrong = a.model_copy(update={"url": None})
    problems = wrong_domain_rules(_with(norfolk.citations, wrong), domain_text)
    baseline = wrong_domain_rules(norfolk.citations, domain_text)
    assert _new(problems, baseline) == [f"{a.id}: has no url, but its entry in domain.md gives one"]


def test_a_wrong_status_word_is_caught(norfolk, domain_text):
    original = next(
        c
        for c in norfolk.citations.values()
        if c.kind == "domain_rule" and first_status_word(c.status) == "VERIFIED"
    )
    wrong = original.model_copy(update={"status": "UNVERIFIED"})
    problems = wrong_domain_rules(_with(norfolk.citations, wrong), domain_text)
    baseline = wrong_domain_rules(norfolk.citations, domain_text)
    assert _new(problems, baseline) == [
        f"{original.id}: status 'UNVERIFIED' does not match domain.md's VERIFIED"
    ]


def test_a_rule_sentence_quoted_by_nobody_is_caught(norfolk, seed_text):
    sentence = "The service is free and confidential."
    quoting = [c.id for c in norfolk.citations.values() if c.quote and sentence in c.quote]
    assert quoting, "the test needs a citation that quotes this sentence"
    tampered = {k: v for k, v in norfolk.citations.items() if k not in quoting}
    problems = unquoted(tampered, seed_text)
    assert _new(problems, unquoted(norfolk.citations, seed_text)) == [sentence]


def test_a_new_rule_sentence_in_the_seed_is_caught(norfolk, seed_text):
    tampered = seed_text.replace(
        "The service is free and confidential.",
        "The service is free and confidential. You must ask within 30 days.",
    )
    assert tampered != seed_text
    problems = unquoted(norfolk.citations, tampered)
    assert _new(problems, unquoted(norfolk.citations, seed_text)) == [
        "You must ask within 30 days."
    ]


def test_an_unused_citation_is_caught(norfolk):
    extra = Citation(id="seed-nobody-uses-this", kind="source_document", quote="the courts")
    tampered = dataclasses.replace(norfolk, citations=_with(norfolk.citations, extra))
    assert _new(unused(tampered), unused(norfolk)) == ["seed-nobody-uses-this"]


def test_a_step_without_citations_is_caught(norfolk):
    route = norfolk.routes[0]
    step = route.steps[0]
    bare = dataclasses.replace(step, spec=step.spec.model_copy(update={"cite": ()}))
    tampered_route = dataclasses.replace(route, steps=(bare, *route.steps[1:]))
    tampered = dataclasses.replace(norfolk, routes=(tampered_route, *norfolk.routes[1:]))
    assert _new(uncited(tampered), uncited(norfolk)) == [f"step {step.spec.id}"]
