"""Services for accounts: creating people and their API tokens. Each raises AccountError with a
message a person can act on."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import ApiToken, Role, SignInAttempt, TwoFactorAttempt, User

TOKEN_PREFIX = "sr_"  # noqa: S105 - a marker at the start of tokens, not a secret  # nosec B105


class AccountError(ValueError):
    """An account could not be created or changed; the message says why and what to do."""


def user_create(*, email: str, role: str, password: str) -> User:
    """Create a person with one role, after checking the email address, role and password."""
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise AccountError(
            f"{email!r} is not an email address, such as name@example.org."
        ) from None
    if role not in Role.values:
        raise AccountError(f"{role!r} is not a role. Use one of: {', '.join(Role.values)}.")
    candidate = User(email=email, role=role)
    try:
        validate_password(password, user=candidate)
    except ValidationError as exc:
        raise AccountError("The password is not strong enough: " + " ".join(exc.messages)) from None
    try:
        with transaction.atomic():
            return User.objects.create_user(email=email, password=password, role=role)
    except IntegrityError:
        raise AccountError(f"There is already an account for {email}.") from None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_create(*, user: User) -> tuple[str, ApiToken]:
    """A new personal API token for ``user``: the token itself (shown once) and its record."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = ApiToken.objects.create(user=user, prefix=token[:10], key_hash=_hash(token))
    return token, record


def token_revoke(*, record: ApiToken) -> None:
    """Stop a token from working. Revoking twice is harmless."""
    if record.revoked_at is None:
        record.revoked_at = timezone.now()
        record.save(update_fields=["revoked_at"])


def token_user(*, token: str) -> User | None:
    """The active person a token belongs to, or None for an unknown or revoked token."""
    record = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_hash(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if record is None:
        return None
    ApiToken.objects.filter(pk=record.pk).update(last_used_at=timezone.now())
    return record.user


# Sign-in throttling: after this many failures for one email address (or from one address) in the
# window, further attempts are refused, even with the right password, until the window passes.
SIGN_IN_FAILURES_ALLOWED = 5
SIGN_IN_WINDOW_MINUTES = 15


def ip_hash(ip: str) -> str:
    """What is kept of an address in the sign-in audit: a hash, never the address."""
    return hashlib.sha256(f"sendroute-ip:{ip}".encode()).hexdigest()


def sign_in_blocked(*, email: str, ip: str) -> bool:
    """True when there have been too many failed attempts recently for this email or address:
    wrong passwords, or wrong codes from an authenticator app (sendroute.accounts.two_factor)."""
    since = timezone.now() - dt.timedelta(minutes=SIGN_IN_WINDOW_MINUTES)
    email = email.strip().lower()
    recent = SignInAttempt.objects.filter(at__gte=since, succeeded=False)
    by_email = recent.filter(email=email).count()
    by_ip = recent.filter(ip_hash=ip_hash(ip)).count()
    wrong_codes = TwoFactorAttempt.objects.filter(at__gte=since, succeeded=False, email=email)
    return (
        by_email >= SIGN_IN_FAILURES_ALLOWED
        or by_ip >= SIGN_IN_FAILURES_ALLOWED * 4
        or wrong_codes.count() >= SIGN_IN_FAILURES_ALLOWED
    )


def sign_in_record(*, email: str, ip: str, succeeded: bool) -> None:
    """Record one attempt (for throttling and the audit of sign-ins)."""
    SignInAttempt.objects.create(
        email=email.strip().lower()[:254], ip_hash=ip_hash(ip), succeeded=succeeded
    )
