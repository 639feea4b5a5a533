"""Sharing a case: the owner shares it with an adviser (to view, or to view and add to it), sees
who has access, and stops sharing at any time. Only the owner reaches these pages; everyone else
gets 404, and an adviser whose access is stopped loses the case at once."""

from __future__ import annotations

import uuid

import pytest

from sendroute.accounts.models import Role, User
from sendroute.cases.access import Need, case_for, cases_visible_to
from sendroute.cases.audit import Action
from sendroute.cases.models import AuditEvent, Share
from sendroute.cases.services import case_create, share_grant
from tests.web.conftest import sign_in_as

pytestmark = pytest.mark.django_db


def sharing_url(case):
    return f"/cases/{case.public_id}/sharing"


def share(client, case, email, access="view", key=None):
    return client.post(
        sharing_url(case), {"email": email, "access": access, "form_key": key or str(uuid.uuid4())}
    )


def test_the_owner_shares_a_case_to_view_and_the_adviser_then_sees_it(client, people):
    owner, adviser, case = people["owner"], people["unlinked_adviser"], people["case"]
    sign_in_as(client, owner)
    response = share(client, case, "Unlinked@Example.org ", "view")
    assert response.status_code == 302
    live = Share.objects.get(case=case, adviser=adviser, revoked_at__isnull=True)
    assert live.access == "view"
    assert response["Location"] == f"{sharing_url(case)}?shared={live.pk}"
    page = client.get(response["Location"]).content.decode()
    assert "You have shared this case with unlinked@example.org." in page
    assert "Can view the case" in page

    adviser_client = sign_in_as(client.__class__(), adviser)
    assert adviser_client.get(f"/cases/{case.public_id}/").status_code == 200
    assert case_for(adviser, case.public_id, Need.VIEW) == case
    with pytest.raises(Exception, match="No such case"):
        case_for(adviser, case.public_id, Need.EDIT)
    caseload = adviser_client.get("/caseload").content.decode()
    assert "Sam at Oak School" in caseload
    assert "owner@example.org" in caseload
    assert AuditEvent.objects.filter(
        case_id=case.pk, action=Action.SHARE_GRANTED, actor_id=owner.pk
    ).exists()


def test_the_sharing_page_lists_the_owner_and_each_adviser_with_their_access(client, people):
    sign_in_as(client, people["owner"])
    page = client.get(sharing_url(people["case"]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "owner@example.org (you)" in text
    assert "linked@example.org" in text
    assert "Can view and add to the case" in text
    share_id = Share.objects.get(adviser=people["linked_adviser"]).pk
    assert f"/sharing/{share_id}/revoke" in text


def test_stopping_sharing_asks_first_then_the_adviser_gets_404_at_once(client, people):
    owner, adviser, case = people["owner"], people["linked_adviser"], people["case"]
    live = Share.objects.get(case=case, adviser=adviser)
    adviser_client = sign_in_as(client.__class__(), adviser)
    assert adviser_client.get(f"/cases/{case.public_id}/").status_code == 200

    sign_in_as(client, owner)
    confirm = client.get(f"{sharing_url(case)}/{live.pk}/revoke")
    assert confirm.status_code == 200
    assert "Stop sharing with linked@example.org?" in confirm.content.decode()
    live.refresh_from_db()
    assert live.revoked_at is None  # asking does not stop it

    done = client.post(f"{sharing_url(case)}/{live.pk}/revoke")
    assert done.status_code == 302
    assert done["Location"] == f"{sharing_url(case)}?stopped={live.pk}"
    assert (
        "You have stopped sharing this case with linked@example.org."
        in client.get(done["Location"]).content.decode()
    )
    live.refresh_from_db()
    assert live.revoked_at is not None

    assert adviser_client.get(f"/cases/{case.public_id}/").status_code == 404
    assert case not in cases_visible_to(adviser)
    assert "Sam at Oak School" not in adviser_client.get("/caseload").content.decode()
    # Pressing the button again does nothing more.
    again = client.post(f"{sharing_url(case)}/{live.pk}/revoke")
    assert again.status_code == 302
    assert AuditEvent.objects.filter(case_id=case.pk, action=Action.SHARE_REVOKED).count() == 1


def test_sharing_with_someone_who_is_not_an_adviser_says_so(client, people):
    sign_in_as(client, people["owner"])
    for email in ("other@example.org", "staff@example.org", "nobody@example.org"):
        response = share(client, people["case"], email)
        assert response.status_code == 400
        text = response.content.decode()
        assert "There is a problem" in text
        assert "There is no adviser with that email address on sendroute" in text
        assert 'href="#email"' in text
    assert (
        not Share.objects.filter(case=people["case"])
        .exclude(adviser=people["linked_adviser"])
        .exists()
    )


def test_sharing_needs_an_email_address_and_a_choice_of_access(client, people):
    sign_in_as(client, people["owner"])
    no_email = share(client, people["case"], "", "view")
    assert no_email.status_code == 400
    assert "Enter the adviser&#39;s email address" in no_email.content.decode()
    no_access = share(client, people["case"], "unlinked@example.org", "")
    assert no_access.status_code == 400
    assert (
        "Choose whether the adviser can view the case, or view and add to it"
        in no_access.content.decode()
    )
    assert not Share.objects.filter(adviser=people["unlinked_adviser"]).exists()


def test_sharing_twice_leaves_one_live_share_with_the_latest_access(client, people):
    sign_in_as(client, people["owner"])
    case = people["case"]
    share(client, case, "unlinked@example.org", "view")
    share(client, case, "unlinked@example.org", "edit")
    live = Share.objects.filter(
        case=case, adviser=people["unlinked_adviser"], revoked_at__isnull=True
    )
    assert live.count() == 1
    assert live.get().access == "edit"


def test_the_same_form_sent_twice_shares_once(client, people):
    sign_in_as(client, people["owner"])
    case = people["case"]
    key = str(uuid.uuid4())
    first = share(client, case, "unlinked@example.org", "view", key)
    second = share(client, case, "unlinked@example.org", "view", key)
    assert first["Location"] == second["Location"]
    grants = AuditEvent.objects.filter(case_id=case.pk, action=Action.SHARE_GRANTED)
    assert grants.count() == 2  # the fixture's share, and this one once


@pytest.mark.parametrize(
    "who",
    [
        "other_family",
        "young_person",
        "linked_adviser",
        "unlinked_adviser",
        "staff",
        "administrator",
    ],
)
def test_only_the_owner_reaches_the_sharing_pages(client, people, who):
    case = people["case"]
    live = Share.objects.get(case=case, adviser=people["linked_adviser"])
    sign_in_as(client, people[who])
    assert client.get(sharing_url(case)).status_code == 404
    assert share(client, case, "unlinked@example.org").status_code == 404
    assert client.get(f"{sharing_url(case)}/{live.pk}/revoke").status_code == 404
    assert client.post(f"{sharing_url(case)}/{live.pk}/revoke").status_code == 404
    assert client.get(f"/cases/{case.public_id}/seen").status_code == 404
    live.refresh_from_db()
    assert live.revoked_at is None
    assert Share.objects.filter(case=case).count() == 1


def test_signed_out_people_are_sent_to_sign_in(client, people):
    response = client.get(sharing_url(people["case"]))
    assert response.status_code == 302
    assert response["Location"].startswith("/account/sign-in")


def test_a_share_of_another_case_cannot_be_stopped_from_this_one(client, people):
    owner = people["owner"]
    second = case_create(owner=owner, title="Second case", area="norfolk")
    other_share = share_grant(
        case=second, actor=owner, adviser_email="unlinked@example.org", access="view"
    )
    sign_in_as(client, owner)
    url = f"{sharing_url(people['case'])}/{other_share.pk}/revoke"
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    other_share.refresh_from_db()
    assert other_share.revoked_at is None
    assert client.get(f"{sharing_url(people['case'])}/999999/revoke").status_code == 404


def test_an_unknown_or_malformed_case_id_is_404(client, people):
    sign_in_as(client, people["owner"])
    assert client.get(f"/cases/{uuid.uuid4()}/sharing").status_code == 404
    assert client.get("/cases/not-a-uuid/sharing").status_code == 404


def test_a_deactivated_adviser_cannot_be_shared_with(client, people):
    User.objects.create_user(
        email="gone@example.org",
        password="a long pass phrase 123",
        role=Role.ADVISER,
        is_active=False,
    )
    sign_in_as(client, people["owner"])
    assert share(client, people["case"], "gone@example.org").status_code == 400


@pytest.mark.parametrize("raw", ["²", "1" * 40, "-1", "x"])
def test_a_notice_id_that_is_not_an_id_shows_the_page_without_a_notice(client, people, raw):
    sign_in_as(client, people["owner"])
    response = client.get(f"{sharing_url(people['case'])}?shared={raw}")
    assert response.status_code == 200
    assert "You have shared this case with" not in response.content.decode()
