"""A person who signs in (by email, with one role), their personal API tokens, their authenticator
app (two-factor authentication), and the audit of sign-in attempts."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone


class Role(models.TextChoices):
    PARENT = "parent", "Parent or carer"
    YOUNG_PERSON = "young_person", "Young person (16 to 25, acting for themselves)"
    ADVISER = "adviser", "Adviser"
    STAFF = "staff", "Organisation staff"
    ADMINISTRATOR = "administrator", "Administrator"


# Roles that must use two-factor authentication (issue 4): they see other families' cases.
ROLES_NEEDING_TWO_FACTOR = frozenset({Role.ADVISER, Role.STAFF, Role.ADMINISTRATOR})


class UserManager(BaseUserManager["User"]):
    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("role", Role.ADMINISTRATOR)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """Someone who signs in with their email address. Each person has exactly one role."""

    email = models.EmailField(unique=True)
    role = models.CharField(max_length=20, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["role"]

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=models.Q(role__in=[r.value for r in Role]), name="user_role_is_known"
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.role})"

    @property
    def is_staff(self) -> bool:
        """Django's admin flag follows the role: only administrators."""
        return self.role == Role.ADMINISTRATOR

    @property
    def needs_two_factor(self) -> bool:
        return self.role in ROLES_NEEDING_TWO_FACTOR


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 hash is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    prefix = models.CharField(max_length=12, help_text="The start of the token, to recognise it.")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        state = "revoked" if self.revoked_at else "active"
        return f"token {self.prefix}... for {self.user.email} ({state})"


class SignInAttempt(models.Model):
    """Every sign-in attempt, kept for throttling and for the audit of sign-ins (append only)."""

    email = models.EmailField(db_index=True)
    ip_hash = models.CharField(max_length=64, help_text="SHA-256 of the address, not the address.")
    succeeded = models.BooleanField()
    at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{'success' if self.succeeded else 'failure'} for {self.email} at {self.at:%Y-%m-%d %H:%M}"


class TwoFactorAttempt(models.Model):
    """Every code entered at the second step of signing in, kept for throttling and for the audit
    of sign-ins (append only). Never the code itself: only whether it was right."""

    email = models.EmailField(db_index=True)
    ip_hash = models.CharField(max_length=64, help_text="SHA-256 of the address, not the address.")
    succeeded = models.BooleanField()
    at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        outcome = "right code" if self.succeeded else "wrong code"
        return f"{outcome} for {self.email} at {self.at:%Y-%m-%d %H:%M}"


class TotpDevice(models.Model):
    """A person's authenticator app (time-based one-time passwords, RFC 6238): one per person.

    It is pending until the person enters a right code from it (``confirmed_at``). The number of
    the 30-second time step of the last code accepted is kept, so that a code cannot be used twice.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="totp_device")
    secret = models.CharField(max_length=64, help_text="Base32 secret shared with the app.")
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_used_step = models.BigIntegerField(
        default=0,
        help_text="Time step of the last code accepted; older or equal steps are refused.",
    )

    def __str__(self) -> str:
        state = "confirmed" if self.confirmed_at else "pending"
        return f"authenticator app for {self.user.email} ({state})"
