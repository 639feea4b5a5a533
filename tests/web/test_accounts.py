"""Accounts: one role each, Argon2 passwords of at least 12 characters that are not common, and
personal API tokens stored only as hashes. The administrator CLI creates both."""

from __future__ import annotations

import io
import sys

import pytest

from sendroute.accounts.models import ApiToken, Role, User
from sendroute.accounts.services import (
    AccountError,
    token_create,
    token_revoke,
    token_user,
    user_create,
)
from sendroute.cli import main

pytestmark = pytest.mark.django_db
GOOD = "a long, memorable pass phrase"


def test_a_new_account_has_one_role_and_an_argon2_password():
    user = user_create(email="Parent@Example.org", role="parent", password=GOOD)
    assert user.email == "parent@example.org"
    assert user.role == Role.PARENT
    assert user.password.startswith("argon2")
    assert user.check_password(GOOD)
    assert not user.is_staff
    assert not user.needs_two_factor


def test_new_passwords_use_argon2id_with_owasp_parameters():
    user = user_create(email="params@example.org", role="parent", password=GOOD)
    assert user.password.startswith("argon2$argon2id$v=19$m=47104,t=1,p=1$")


def test_a_password_hashed_with_django_defaults_still_works_and_is_rehashed():
    from django.contrib.auth.hashers import Argon2PasswordHasher

    user = user_create(email="older@example.org", role="parent", password=GOOD)
    user.password = Argon2PasswordHasher().encode(GOOD, Argon2PasswordHasher().salt())
    user.save(update_fields=["password"])
    assert "m=102400,t=2,p=8" in user.password
    assert user.check_password(GOOD)
    user.refresh_from_db()
    assert "m=47104,t=1,p=1" in user.password


@pytest.mark.parametrize("role", ["adviser", "staff", "administrator"])
def test_advisers_staff_and_administrators_need_two_factor(role):
    assert user_create(email=f"{role}@example.org", role=role, password=GOOD).needs_two_factor


@pytest.mark.parametrize(
    ("password", "words"),
    [
        ("short pass", "at least 12 characters"),
        ("password1234", "too common"),
        ("123456789012345", "entirely numeric"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(password, words):
    with pytest.raises(AccountError, match=words):
        user_create(email="p@example.org", role="parent", password=password)
    assert User.objects.count() == 0


def test_an_unknown_role_or_bad_email_or_second_account_is_refused():
    with pytest.raises(AccountError, match="not a role"):
        user_create(email="p@example.org", role="king", password=GOOD)
    with pytest.raises(AccountError, match="not an email address"):
        user_create(email="not-an-email", role="parent", password=GOOD)
    user_create(email="p@example.org", role="parent", password=GOOD)
    with pytest.raises(AccountError, match="already an account"):
        user_create(email="P@example.org", role="parent", password=GOOD)


def test_a_token_is_stored_only_as_a_hash_and_can_be_revoked():
    user = user_create(email="a@example.org", role="adviser", password=GOOD)
    token, record = token_create(user=user)
    assert token.startswith("sr_")
    assert token not in {r.key_hash for r in ApiToken.objects.all()}
    assert token_user(token=token) == user
    token_revoke(record=record)
    assert token_user(token=token) is None
    assert token_user(token="sr_not-a-real-token") is None


def run_cli(monkeypatch, capsys, args, stdin=""):
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(args)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_the_cli_adds_a_user_with_a_password_from_standard_input(monkeypatch, capsys):
    code, out, _ = run_cli(
        monkeypatch,
        capsys,
        ["user", "add", "sam@example.org", "--role", "adviser", "--password-stdin"],
        GOOD + "\n",
    )
    assert code == 0
    assert "Created sam@example.org with the role adviser" in out
    assert User.objects.get(email="sam@example.org").check_password(GOOD)


@pytest.mark.parametrize(
    ("args", "stdin", "words"),
    [
        (
            ["user", "add", "sam@example.org", "--role", "adviser", "--password-stdin"],
            "short\n",
            "at least 12 characters",
        ),
        (
            ["user", "add", "sam@example.org", "--role", "adviser", "--password-stdin"],
            "\n",
            "no password",
        ),
        (["user", "add", "sam@example.org", "--role", "adviser"], "", "--password-stdin"),
        (["user", "token", "nobody@example.org"], "", "no account for nobody@example.org"),
    ],
)
def test_the_cli_refuses_bad_input_with_exit_code_2(monkeypatch, capsys, args, stdin, words):
    code, _, err = run_cli(monkeypatch, capsys, args, stdin)
    assert code == 2
    assert words in err
    assert User.objects.filter(email="sam@example.org").count() == 0


def test_the_cli_prints_a_new_token_once(monkeypatch, capsys):
    user_create(email="sam@example.org", role="adviser", password=GOOD)
    code, out, err = run_cli(monkeypatch, capsys, ["user", "token", "sam@example.org"])
    assert code == 0
    token = out.strip()
    assert token_user(token=token).email == "sam@example.org"
    assert "only time this token is shown" in err
