"""Web test set-up: a fixed 'today', and helpers to walk the journey with Django's test client."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def fixed_today(settings):
    settings.SENDROUTE_TODAY = "2026-11-27"


@pytest.fixture(autouse=True)
def evidence_dir(settings, tmp_path):
    """Evidence files go to a fresh folder for each test."""
    settings.SENDROUTE_EVIDENCE_DIR = tmp_path / "evidence"
    return settings.SENDROUTE_EVIDENCE_DIR


def sign_in_as(client, user):
    """Sign ``user`` in on the test client, with two-factor already passed where it is needed."""
    from sendroute.accounts.views import SIGNED_IN_AT

    client.force_login(user)
    session = client.session
    from django.utils import timezone

    session[SIGNED_IN_AT] = timezone.now().isoformat()
    session["two_factor_verified"] = True
    session.save()
    return client


@pytest.fixture
def people(db, settings):
    """One person of every role, and a case owned by the first family, shared with one adviser.
    (Their passwords use a fast hasher: Argon2 itself is tested in test_accounts.)"""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from sendroute.accounts.models import Role, User
    from sendroute.cases.services import case_create, share_grant

    def make(email, role):
        return User.objects.create_user(email=email, password="a long pass phrase 123", role=role)

    p = {
        "owner": make("owner@example.org", Role.PARENT),
        "other_family": make("other@example.org", Role.PARENT),
        "young_person": make("young@example.org", Role.YOUNG_PERSON),
        "linked_adviser": make("linked@example.org", Role.ADVISER),
        "unlinked_adviser": make("unlinked@example.org", Role.ADVISER),
        "staff": make("staff@example.org", Role.STAFF),
        "administrator": make("admin@example.org", Role.ADMINISTRATOR),
    }
    case = case_create(
        owner=p["owner"], title="Sam at Oak School", area="norfolk", child_name="Sam"
    )
    share_grant(case=case, actor=p["owner"], adviser_email="linked@example.org", access="edit")
    p["case"] = case
    return p
