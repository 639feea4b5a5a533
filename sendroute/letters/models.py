"""A letter drafted from a concern's stage: its edited text, the evidence sent with it, the date
it should be answered by, and whether (and when) it was sent."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from sendroute.cases.models import Case, Concern, Entry, Evidence


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    SENT = "sent", "Sent"


class Letter(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="letters")
    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="letters")
    letter_type = models.CharField(max_length=60)
    step = models.CharField(max_length=80, blank=True, help_text="The stage it was drafted for.")
    title = models.CharField(max_length=200)
    to_name = models.CharField(max_length=200)
    body = models.TextField()
    enclosures = models.ManyToManyField(Evidence, blank=True, related_name="letters")
    respond_by = models.DateField()
    respond_rule = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    sent_on = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    entry = models.ForeignKey(
        Entry, on_delete=models.SET_NULL, null=True, blank=True, related_name="letters"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in Status]),
                name="letter_status_is_known",
            )
        ]

    def __str__(self) -> str:
        return f"letter {self.public_id} ({self.letter_type})"
