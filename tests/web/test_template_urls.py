"""Templates' url(): Django's reverse(), remembered per URLconf and script prefix."""

from __future__ import annotations

import uuid

import pytest
from django.urls import NoReverseMatch, get_script_prefix, reverse, set_script_prefix

from sendroute.web.jinja import url


@pytest.fixture
def prefix():
    before = get_script_prefix()
    yield set_script_prefix
    set_script_prefix(before)


def test_url_gives_what_reverse_gives_for_names_args_and_either_spelling_of_kwargs():
    case_id = uuid.uuid4()
    expected = reverse("cases:case", kwargs={"case_id": case_id})
    assert url("cases:case", case_id=case_id) == expected
    assert url("cases:case", kwargs={"case_id": case_id}) == expected
    assert url("cases:case", case_id=str(case_id)) == expected
    assert url("cases:list") == reverse("cases:list")
    other = uuid.uuid4()
    assert url("cases:case", case_id=other) == reverse("cases:case", kwargs={"case_id": other})


def test_a_remembered_url_follows_the_script_prefix_the_app_is_served_under(prefix):
    case_id = uuid.uuid4()
    plain = url("cases:case", case_id=case_id)
    prefix("/send/")
    assert url("cases:case", case_id=case_id) == "/send" + plain
    prefix("/")
    assert url("cases:case", case_id=case_id) == plain


def test_a_name_that_does_not_exist_is_still_an_error_every_time():
    for _ in range(2):
        with pytest.raises(NoReverseMatch):
            url("cases:no_such_page")
