"""The family's case file: a case about one child, its concerns (one route each), what happened
at each stage, the timeline of notes and letters (with every edit kept), evidence files, who it is
shared with, and the append-only audit of who saw or changed it.

Only what is needed about the child is kept: a name or initials, a year of birth or school year,
whether they have an EHC plan, and the kind of setting.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone


class Setting(models.TextChoices):
    EARLY_YEARS = "early_years", "Nursery or early years"
    MAINSTREAM = "mainstream", "Mainstream school"
    SPECIAL = "special", "Special school"
    COLLEGE = "college", "College or sixth form"
    HOME = "home", "Educated at home or out of school"
    OTHER = "other", "Somewhere else"


class Case(models.Model):
    """One child's case file, owned by a family member (a parent or carer, or the young person)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cases"
    )
    title = models.CharField(max_length=120)
    area = models.CharField(max_length=40)
    child_name = models.CharField(max_length=60, blank=True, help_text="A first name or initials.")
    child_birth_year = models.PositiveSmallIntegerField(null=True, blank=True)
    child_school_year = models.CharField(max_length=20, blank=True)
    child_has_ehc_plan = models.BooleanField(null=True, blank=True)
    child_setting = models.CharField(max_length=20, choices=Setting.choices, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar[list[str]] = ["-updated_at"]

    def __str__(self) -> str:
        return f"case {self.public_id}"


class Concern(models.Model):
    """One concern of a case, following one route of the rules, with the facts it was advised on."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="concerns")
    route = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    facts = models.JSONField(default=dict)
    pack_version = models.CharField(max_length=200, help_text="The packs and versions used.")
    current_step = models.CharField(max_length=80, blank=True)
    # What the advice said last time (next step ids and deadline dates), to show what changed.
    last_advice = models.JSONField(default=dict)
    resolved_on = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar[list[str]] = ["created_at", "id"]

    def __str__(self) -> str:
        return f"concern {self.public_id} ({self.route})"


class EventKind(models.TextChoices):
    MADE = "made", "Complaint or request made"
    ACKNOWLEDGED = "acknowledged", "Acknowledgement received"
    RESPONSE = "response", "Response received"
    OUTCOME = "outcome", "Outcome"


class How(models.TextChoices):
    IN_WRITING = "in_writing", "In writing (letter, email or online form)"
    VERBALLY = "verbally", "By talking to them (phone or call)"
    IN_PERSON = "in_person", "In person"


class Outcome(models.TextChoices):
    RESOLVED = "resolved", "Resolved: I am happy with the outcome"
    NOT_SATISFIED = "not_satisfied", "Not resolved: I am not satisfied"


class StageEvent(models.Model):
    """Something that happened at one stage (step) of a concern's route."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="events")
    step = models.CharField(max_length=80)
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    date = models.DateField()
    how = models.CharField(max_length=20, choices=How.choices, blank=True)
    to_whom = models.CharField(max_length=200, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    summary = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar[list[str]] = ["date", "recorded_at", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=models.Q(kind__in=[k.value for k in EventKind]),
                name="stage_event_kind_is_known",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} at {self.step} on {self.date}"

    @property
    def how_text(self) -> str:
        """How it was made, for a sentence: "in writing"."""
        return {"in_writing": "in writing", "verbally": "by talking to them"}.get(
            self.how, "in person" if self.how else ""
        )

    @property
    def outcome_text(self) -> str:
        """The outcome, for a sentence: "resolved" or "not resolved"."""
        return {"resolved": "resolved", "not_satisfied": "not resolved"}.get(self.outcome, "")


class EntryKind(models.TextChoices):
    NOTE = "note", "Note of a meeting or call"
    LETTER_SENT = "letter_sent", "Letter or email sent"
    LETTER_RECEIVED = "letter_received", "Letter or email received"


class Entry(models.Model):
    """A timeline entry. Its content lives in revisions: an edit adds one, nothing is overwritten."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="entries")
    concern = models.ForeignKey(
        Concern, on_delete=models.SET_NULL, null=True, blank=True, related_name="entries"
    )
    kind = models.CharField(max_length=20, choices=EntryKind.choices)
    # The current revision's date, copied here so that the timeline can be ordered in SQL.
    date = models.DateField()
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar[list[str]] = ["date", "created_at", "id"]
        verbose_name_plural = "entries"

    def __str__(self) -> str:
        return f"{self.kind} on {self.date}"

    @property
    def current(self) -> EntryRevision:
        return self.revisions.order_by("-number").first()  # type: ignore[return-value]


class EntryRevision(models.Model):
    """One version of a timeline entry's content. Revisions are only ever added."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    date = models.DateField()
    title = models.CharField(max_length=200)
    people = models.CharField(
        max_length=500, blank=True, help_text="Who was there, or who to/from."
    )
    body = models.TextField(blank=True, help_text="What was said and done.")
    actions = models.TextField(blank=True, help_text="Actions agreed, with their dates.")
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    edited_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar[list[str]] = ["entry", "number"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["entry", "number"], name="entry_revision_number_unique")
        ]

    def __str__(self) -> str:
        return f"revision {self.number} of entry {self.entry_id}"


class Evidence(models.Model):
    """A file the family uploaded, stored outside the web root under a server-made name."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="evidence")
    concern = models.ForeignKey(
        Concern, on_delete=models.SET_NULL, null=True, blank=True, related_name="evidence"
    )
    entry = models.ForeignKey(
        Entry, on_delete=models.SET_NULL, null=True, blank=True, related_name="evidence"
    )
    title = models.CharField(max_length=200)
    original_name = models.CharField(max_length=255)
    stored_name = models.CharField(max_length=100, unique=True)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    document_date = models.DateField(null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar[list[str]] = ["uploaded_at", "id"]
        verbose_name_plural = "evidence"

    def __str__(self) -> str:
        return f"evidence {self.public_id}"


class Access(models.TextChoices):
    VIEW = "view", "Can view the case"
    EDIT = "edit", "Can view and add to the case"


class Share(models.Model):
    """An adviser's access to a case, given by its owner. Revoking keeps the row, with the date."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="shares")
    adviser = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shared_cases"
    )
    access = models.CharField(max_length=10, choices=Access.choices)
    granted_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["case", "adviser"],
                condition=models.Q(revoked_at__isnull=True),
                name="one_live_share_per_adviser",
            )
        ]

    def __str__(self) -> str:
        return f"{self.access} share of case {self.case_id}"


class Submission(models.Model):
    """A form submission's key, so that submitting the same form twice does one thing once."""

    key = models.UUIDField(unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    result_url = models.CharField(max_length=300)
    at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"submission {self.key}"


class ReminderSent(models.Model):
    """A reminder email already sent for one deadline of one concern (so none is sent twice)."""

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="reminders")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    deadline = models.CharField(max_length=80)
    due = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["concern", "user", "deadline", "due"], name="one_reminder_per_deadline"
            )
        ]

    def __str__(self) -> str:
        return f"reminder for {self.deadline} due {self.due}"


class CalendarFeed(models.Model):
    """A private calendar feed address. Only a hash of its token is kept; it can be revoked."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"calendar feed {self.pk}"


class AuditEvent(models.Model):
    """Append only: who saw or changed what, and every sign-in. The database refuses updates and
    deletes of these rows (see migration 0002). No personal data about the child is kept here:
    only ids, the action and the actor."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_role = models.CharField(max_length=20, blank=True)
    action = models.CharField(max_length=40)
    case_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    via = models.CharField(max_length=10, default="web")
    # SHA-256 of the chain value of the previous row about the same case (rows about no case form
    # one chain too) and this row's fields: an edit made with the database's guard lifted breaks
    # the chain from that row on (see audit.verify_chain).
    chain = models.CharField(max_length=64, null=True, blank=True, editable=False)

    class Meta:
        ordering: ClassVar[list[str]] = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} by {self.actor_id} at {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise AuditIsAppendOnly("An audit record cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise AuditIsAppendOnly("An audit record cannot be deleted.")


class AuditIsAppendOnly(Exception):  # noqa: N818 - reads as a sentence where raised
    """Raised when code tries to change or delete an audit record."""
