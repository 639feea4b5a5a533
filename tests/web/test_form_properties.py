"""Property tests (hypothesis) for every form and every validator of the web app.

- Each validator or parse function the views use (common.read_date, common.read_version,
  services.check_text, the evidence file names, the API's document date, the journey's date
  answers, the rules' parse_date) is given arbitrary text: any Unicode (NUL, right-to-left
  marks, emoji, digits of other scripts such as ² or ١٢), huge strings, huge numbers. Each
  either returns a value or refuses with its own error: never any other exception.
- Every page of the site is sent POSTs made of arbitrary values for the fields its forms have
  (and a few it does not), by the person who may use it: never a server error; a refusal is a
  400 page with a GOV.UK error summary, and changes nothing in the database.

CI runs a moderate number of examples; SENDROUTE_FULL_PROOF=1 runs many more."""

from __future__ import annotations

import datetime as dt
import os
import re
import unicodedata
from html.parser import HTMLParser

import pytest
from django.http import QueryDict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sendroute.cases.evidence_store import (
    KINDS,
    NAME_MAX,
    WINDOWS_RESERVED,
    display_name,
    evidence_download_name,
)
from sendroute.cases.models import Evidence
from sendroute.cases.services import CaseError, check_text
from sendroute.cases.views.common import Errors, read_date, read_version
from tests.web.conftest import sign_in_as
from tests.web.test_authorization_matrix import (
    ADVISERS_ONLY,
    PAGES,
    PUBLIC,
    TOKEN,
    _path,
    world,  # noqa: F401 - a fixture, used by name
)

pytestmark = pytest.mark.proof

FULL = os.environ.get("SENDROUTE_FULL_PROOF") == "1"
UNIT = settings(max_examples=2000 if FULL else 200, deadline=None)
PAGE = settings(
    max_examples=300 if FULL else 12,
    deadline=None,
    # The examples of one page share its case (made once by the fixture); each example checks
    # what it changed itself, so sharing it is what is wanted.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# -- values ---------------------------------------------------------------------------------------

# Any character that can be written as UTF-8 (no lone surrogates: no browser can send one).
any_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=80)
tricky = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "a\x00b",
        "\u202egnp.exe",
        "\u200b",
        "\U0001f600" * 20,
        "²",
        "١٢",
        "٣١",
        "𝟚𝟘𝟚𝟞",
        "9" * 30,
        "9" * 5000,
        "-1",
        "0",
        "1e9",
        " 12 ",
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "../../etc/passwd",
        "%00",
        "\r\n",
        "a" * 100_000,
    ]
)
text = st.one_of(any_text, tricky)
numbers = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.integers(min_value=0, max_value=40).map(str),
    st.integers(min_value=1900, max_value=2100).map(str),
    text,
)
ids = st.one_of(st.uuids().map(str), st.integers(-(10**20), 10**20).map(str), text)


def value_for(name: str) -> st.SearchStrategy:
    if re.search(r"-(day|month|year)$", name) or name in ("version", "index"):
        return numbers
    if name in ("concern", "entry", "evidence", "share", "note", "form_key", "letter"):
        return ids
    return text


# -- the validators -------------------------------------------------------------------------------


@UNIT
@given(day=numbers, month=numbers, year=numbers)
def test_read_date_returns_a_date_or_a_specific_error_for_any_input(day, month, year):
    data = QueryDict(mutable=True)
    data.update({"d-day": day, "d-month": month, "d-year": year})
    errors = Errors()
    value = read_date(data, "d", errors, "the date")
    if value is None:
        assert errors, "no date and no error"
        assert all(errors.message(f) for f in ("d-day", "d-month", "d-year") if errors.message(f))
    else:
        assert isinstance(value, dt.date)
        assert not errors
        assert value == dt.date(int(year), int(month), int(day))


@UNIT
@given(raw=numbers)
def test_read_version_is_a_number_a_database_can_hold_or_none(raw):
    data = QueryDict(mutable=True)
    data["version"] = raw
    version = read_version(data)
    assert version is None or (isinstance(version, int) and 0 <= version < 2**31)


@UNIT
@given(value=st.one_of(text, st.text(max_size=20)))
def test_check_text_refuses_only_what_no_database_can_keep(value):
    unkeepable = "\x00" in value or any(0xD800 <= ord(ch) <= 0xDFFF for ch in value)
    if unkeepable:
        with pytest.raises(CaseError) as refused:
            check_text(value, "title")
        assert refused.value.field == "title"
        assert refused.value.message
    else:
        check_text(value, "title")
        check_text({"k": [value]}, "facts")


@UNIT
@given(raw=st.one_of(text, st.text(max_size=400)))
def test_a_files_name_is_always_shown_in_a_safe_form(raw):
    name = display_name(raw)
    assert 0 < len(name) <= NAME_MAX
    assert "/" not in name
    assert "\\" not in name
    assert not any(unicodedata.category(ch)[0] == "C" for ch in name)


@UNIT
@given(raw=st.one_of(text, st.text(max_size=400)), content_type=st.sampled_from(sorted(KINDS)))
def test_a_download_name_is_never_a_device_a_path_or_the_wrong_kind(raw, content_type):
    evidence = Evidence(original_name=display_name(raw), content_type=content_type)
    name = evidence_download_name(evidence)
    kind = KINDS[content_type]
    assert name.lower().endswith((kind.extension, *kind.also))
    assert name.split(".")[0].strip().upper() not in WINDOWS_RESERVED
    assert '"' not in name
    assert "/" not in name
    assert "\\" not in name
    assert len(name) <= NAME_MAX


@UNIT
@given(raw=numbers)
def test_the_apis_document_date_is_a_date_or_a_field_error(raw):
    from sendroute.api.evidence import _document_date

    value: object = None
    try:
        value = _document_date(raw)
    except CaseError as refused:
        value = refused
    if isinstance(value, CaseError):
        assert value.field == "document_date"
    else:
        assert value is None or isinstance(value, dt.date)


@UNIT
@given(raw=st.one_of(numbers, st.dates().map(str)))
def test_the_rules_parse_date_is_a_date_or_an_input_error(raw):
    from sendroute.rules.errors import InputError
    from sendroute.rules.facts import parse_date

    value: object = None
    try:
        value = parse_date(raw, field="today")
    except InputError as refused:
        value = refused
    assert isinstance(value, dt.date) or (isinstance(value, InputError) and str(value))


@UNIT
@given(day=numbers, month=numbers, year=numbers)
def test_a_date_answer_in_the_journey_is_a_date_or_a_specific_error(day, month, year):
    from sendroute.journey.answers import read_answer
    from sendroute.journey.services import journey_rules

    fact = next(f for f in journey_rules().facts.values() if f.type == "date")
    data = QueryDict(mutable=True)
    data.update({f"{fact.id}-day": day, f"{fact.id}-month": month, f"{fact.id}-year": year})
    answer = read_answer(fact, data, dt.date(2026, 11, 27))
    if answer.errors:
        assert all(e.message for e in answer.errors)
    else:
        assert dt.date.fromisoformat(answer.value)


# -- every page, POSTed arbitrary forms -------------------------------------------------------------


class _Fields(HTMLParser):
    """The names of the fields of a page's POST forms."""

    def __init__(self) -> None:
        super().__init__()
        self.in_post_form = False
        self.names: set[str] = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.in_post_form = (a.get("method") or "").lower() == "post"
        elif (
            self.in_post_form and tag in ("input", "textarea", "select", "button") and a.get("name")
        ):
            self.names.add(a["name"])

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_post_form = False


def _role(name: str, rule: str) -> str:
    if rule == ADVISERS_ONLY:
        return "linked_adviser"
    if rule in (PUBLIC, TOKEN):
        return "anonymous"
    return "owner"


def _fingerprint():
    """What a refused POST must not change: the number of rows of every table of the app, and
    each case's version. (Not the audit trail, nor the records of failed sign-in and two-factor
    attempts: writing those on a refusal is their purpose.)"""
    from django.apps import apps

    from sendroute.accounts.models import SignInAttempt, TwoFactorAttempt
    from sendroute.cases.models import AuditEvent, Case

    kept_on_refusal = (AuditEvent, SignInAttempt, TwoFactorAttempt)
    counts = tuple(
        (m._meta.label, m.objects.count())
        for app in ("cases", "accounts", "letters", "bundles")
        for m in apps.get_app_config(app).get_models()
        if m not in kept_on_refusal
    )
    return counts, tuple(Case.objects.order_by("pk").values_list("pk", "version", "updated_at"))


FORM_PAGES = sorted(
    n for n in PAGES if not n.startswith("api") and n != "api-docs" and "download" not in n
)
ALLOWED = {200, 302, 303, 400, 403, 404, 405, 409, 410, 429}


@pytest.fixture(scope="module")
def _one_client():
    from django.test import Client

    return Client()


@pytest.fixture
def client(_one_client):
    """One client for all pages (a new client loads the middleware again, which is slow)."""
    _one_client.cookies.clear()
    return _one_client


@pytest.mark.django_db
@pytest.mark.parametrize("name", FORM_PAGES)
def test_any_form_posted_to_any_page_never_fails_and_a_refusal_changes_nothing(
    client,
    world,  # noqa: F811 - the fixture imported above
    name,
):
    role = _role(name, PAGES[name])
    if role != "anonymous":
        sign_in_as(client, world["people"][role])
    url = _path(name, world["ids"])
    page = client.get(url)
    fields = _Fields()
    if page.status_code == 200 and page.get("Content-Type", "").startswith("text/html"):
        fields.feed(page.content.decode())
    names = [*sorted(fields.names - {"csrfmiddlewaretoken"}), "title", "extra-field"]

    @PAGE
    @given(data=st.fixed_dictionaries({}, optional={n: value_for(n) for n in names}))
    def post_anything(data):
        before = _fingerprint()
        response = client.post(url, data)
        assert response.status_code in ALLOWED, (response.status_code, data)
        if response.status_code == 400:
            if response.get("Content-Type", "").startswith("text/html"):
                assert "There is a problem" in response.content.decode(), data
            assert _fingerprint() == before, f"a refused POST changed the database: {data!r}"

    post_anything()
