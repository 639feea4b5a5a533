"""Starting a bundle (a row, and a job in the queue), making it in the job, and opening the
finished file again. The PDF is written to a temporary file beside the others and renamed only
once it is complete and its checksum recorded, so a half-made bundle is never offered."""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import tempfile
from pathlib import Path
from typing import BinaryIO

from django.db import transaction
from django.utils import timezone

from sendroute.accounts.models import User
from sendroute.cases.advice import today
from sendroute.cases.audit import audit_record
from sendroute.cases.evidence_store import evidence_dir
from sendroute.cases.models import Case, Concern

from .builder import NOTHING_MESSAGE, NothingToBundleError, bundle_has_content, bundle_pdf
from .models import Bundle, Status

log = logging.getLogger(__name__)

CREATED = "bundle.created"
DOWNLOADED = "bundle.downloaded"
FAILED_MESSAGE = "The bundle could not be made because of a problem on our side. Try again later."
CHUNK = 64 * 1024


class BundleError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BundleUnavailableError(Exception):
    """The finished file is missing or has changed since it was made."""


def bundles_dir() -> Path:
    """Bundles are kept in their own folder inside the evidence folder (so that the clean-up of
    evidence files that no row names leaves them alone)."""
    folder = evidence_dir() / "bundles"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def bundle_path(bundle: Bundle) -> Path:
    return bundles_dir() / Path(bundle.stored_name).name


def bundle_files_delete(names: list[str]) -> None:
    folder = bundles_dir()
    for name in names:
        if name:
            (folder / Path(name).name).unlink(missing_ok=True)


def bundle_start(*, case: Case, concern: Concern | None, actor: User) -> Bundle:
    """Queue a bundle of ``case`` (or of one of its concerns) to be made in the background.
    BundleError if there is nothing to put in it."""
    if concern is not None and concern.case_id != case.pk:
        raise BundleError("Choose a concern of this case")
    if not bundle_has_content(case, concern):
        raise BundleError(NOTHING_MESSAGE)
    from .tasks import build_bundle  # the task module imports this one

    with transaction.atomic():
        bundle = Bundle.objects.create(case=case, concern=concern, created_by=actor, step="")
        audit_record(actor=actor, action=CREATED, case=case, obj=bundle)
    build_bundle.enqueue(bundle.pk)  # after the commit, so the worker finds the row
    return bundle


def _progress(bundle: Bundle, percent: int, step: str) -> None:
    Bundle.objects.filter(pk=bundle.pk).update(progress=max(0, min(100, percent)), step=step[:200])


def bundle_run(bundle_id: int) -> None:
    """Make the bundle (called by the job). Failures are recorded on the bundle, with a message
    for the person; no file is left behind."""
    bundle = Bundle.objects.select_related("case", "concern").filter(pk=bundle_id).first()
    if bundle is None or bundle.status != Status.QUEUED:
        return  # deleted with its case, or already run
    Bundle.objects.filter(pk=bundle.pk).update(status=Status.RUNNING, progress=1, step="Starting")
    folder = bundles_dir()
    handle, temp_name = tempfile.mkstemp(dir=folder, prefix=".bundle-", suffix=".part")
    temp = Path(temp_name)
    stored: Path | None = None
    try:
        with os.fdopen(handle, "wb") as out:
            built = bundle_pdf(
                bundle.case,
                bundle.concern,
                out,
                prepared_on=today(),
                progress=lambda percent, step: _progress(bundle, percent, step),
            )
            out.flush()
            os.fsync(out.fileno())
        digest, size = _checksum(temp)
        stored = folder / f"{secrets.token_hex(16)}.pdf"
        os.chmod(temp, 0o600)
        os.replace(temp, stored)
        updated = Bundle.objects.filter(pk=bundle.pk).update(
            status=Status.DONE,
            progress=100,
            step="Ready",
            pages=built.pages,
            stored_name=stored.name,
            sha256=digest,
            size=size,
            problems=built.problems,
            finished_at=timezone.now(),
        )
        if not updated:  # the case was deleted while the bundle was made
            stored.unlink(missing_ok=True)
    except BaseException as exc:
        temp.unlink(missing_ok=True)
        if stored is not None:
            stored.unlink(missing_ok=True)
        if isinstance(exc, NothingToBundleError):
            message = NOTHING_MESSAGE
        else:
            log.exception("Bundle %s could not be made", bundle.public_id)
            message = FAILED_MESSAGE
        Bundle.objects.filter(pk=bundle.pk).update(
            status=Status.FAILED, step="", error=message, finished_at=timezone.now()
        )
        if not isinstance(exc, Exception):
            raise


def _checksum(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        while block := f.read(CHUNK):
            size += len(block)
            digest.update(block)
    return digest.hexdigest(), size


def bundle_open(bundle: Bundle) -> BinaryIO:
    """The finished PDF, opened once its checksum is checked; BundleUnavailableError if it is
    not ready, missing or changed."""
    if bundle.status != Status.DONE or not bundle.stored_name:
        raise BundleUnavailableError
    try:
        f = bundle_path(bundle).open("rb")
    except FileNotFoundError:
        raise BundleUnavailableError from None
    try:
        digest = hashlib.sha256()
        while block := f.read(CHUNK):
            digest.update(block)
        if not hmac.compare_digest(digest.hexdigest(), bundle.sha256):
            log.warning("Bundle file changed since it was made: %s", bundle.public_id)
            raise BundleUnavailableError
        f.seek(0)
    except BaseException:
        f.close()
        raise
    return f


def bundle_download_name(bundle: Bundle) -> str:
    made = bundle.finished_at or bundle.created_at
    return f"bundle-{made:%Y-%m-%d}.pdf"
