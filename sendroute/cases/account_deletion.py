"""Deleting a family member's account and everything in it, after they confirm who they are.

Every case they own is deleted (with its files and its shares with advisers), their API tokens
and calendar feeds are revoked, and then the person is deleted (which removes what else belongs
to them). The audit rows stay: the database refuses to delete them, and they hold only ids,
roles and actions, nothing about the child.
"""

from __future__ import annotations

from django.db import transaction

from sendroute.accounts.models import User
from sendroute.accounts.services import sign_in_blocked, sign_in_record, token_revoke

from .access import FAMILY_ROLES
from .audit import Action, audit_record
from .calendar_feed import feed_revoke
from .models import Case
from .services import CaseError, case_delete


def account_deletion_check(*, user: User, email: str, password: str, ip: str) -> None:
    """Raise CaseError (naming the field) unless the email and password are this person's.

    A wrong password counts as a failed sign-in, so that this form cannot be used to guess it.
    """
    email = email.strip()
    if not email:
        raise CaseError("Enter your email address", "email")
    if email.lower() != user.email.lower():
        raise CaseError("Enter the email address you sign in with", "email")
    if not password:
        raise CaseError("Enter your password", "password")
    if sign_in_blocked(email=user.email, ip=ip):
        raise CaseError(
            "There have been too many wrong passwords. Wait 15 minutes, then try again.", "password"
        )
    if not user.check_password(password):
        sign_in_record(email=user.email, ip=ip, succeeded=False)
        raise CaseError(
            "The password is not right. Enter the password you sign in with", "password"
        )


def account_delete(*, user: User) -> int:
    """Delete this family member's account and all its data; returns how many cases went.

    Files are removed once the deletion is committed (see ``services.case_delete``).
    """
    if user.role not in FAMILY_ROLES:
        raise CaseError("Ask an administrator to delete an adviser's or staff account.")
    with transaction.atomic():
        # The same request sent twice at once (a double click): the second waits for the
        # first, then finds the account gone and does nothing (one deletion, one audit row).
        if not User.objects.select_for_update().filter(pk=user.pk).exists():
            return 0
        cases = list(Case.objects.filter(owner=user))
        for case in cases:
            # Deleting a case deletes its shares: advisers lose it at once.
            case_delete(case=case, actor=user)
        for token in user.api_tokens.filter(revoked_at__isnull=True):
            token_revoke(record=token)
        for feed in user.calendar_feeds.filter(revoked_at__isnull=True):
            feed_revoke(feed, user)
        audit_record(actor=user, action=Action.ACCOUNT_DELETED)
        user.delete()
    return len(cases)
