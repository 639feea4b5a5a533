"""A bundle: one PDF of a case or a concern (cover, index, chronology, then the evidence in date
order, every page numbered), made by a background job and then offered for download."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from sendroute.cases.models import Case, Concern

# A 200-page bundle takes about 10 seconds; one still unfinished after this has been abandoned.
STUCK_AFTER = dt.timedelta(minutes=30)


class Status(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Being made"
    DONE = "done", "Ready"
    FAILED = "failed", "Could not be made"


class Bundle(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="bundles")
    concern = models.ForeignKey(
        Concern, on_delete=models.CASCADE, null=True, blank=True, related_name="bundles"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # 0 to 100
    step = models.CharField(max_length=200, blank=True)
    pages = models.PositiveIntegerField(null=True, blank=True)
    stored_name = models.CharField(max_length=100, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    problems = models.JSONField(default=list)  # [{"title": ..., "note": ...}]
    error = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"bundle {self.public_id}"

    @property
    def is_working(self) -> bool:
        return self.status in (Status.QUEUED, Status.RUNNING) and not self.is_stuck

    @property
    def is_stuck(self) -> bool:
        """Waiting or being made for far longer than any bundle takes: the worker has stopped
        (or never ran). The page says so instead of refreshing for ever."""
        waiting = self.status in (Status.QUEUED, Status.RUNNING)
        return waiting and timezone.now() - self.created_at > STUCK_AFTER
