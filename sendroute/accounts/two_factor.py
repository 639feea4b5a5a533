"""Two-factor authentication with an authenticator app: time-based one-time passwords (TOTP,
RFC 6238), 6 digits every 30 seconds.

Advisers, organisation staff and administrators (``User.needs_two_factor``) give a code from the
app after their password. A device is pending until its first right code; a code is accepted for
the 30-second step before and after now (clocks drift), and never twice: the step of the last code
accepted is kept, and a code from that step or an earlier one is refused.
"""

from __future__ import annotations

import base64
import datetime as dt
import enum
import io
import re

import pyotp
import segno
from django.db import transaction
from django.utils import timezone
from pyotp.utils import strings_equal

from .models import TotpDevice, TwoFactorAttempt, User
from .services import SIGN_IN_FAILURES_ALLOWED, SIGN_IN_WINDOW_MINUTES, ip_hash

ISSUER = "sendroute"
# Codes from the step before and the step after now are accepted as well as the current one.
VALID_WINDOW = 1
# After this many wrong codes for one person (or from one address) in the sign-in window, their
# session is ended and no code is checked until the window passes.
TWO_FACTOR_FAILURES_ALLOWED = SIGN_IN_FAILURES_ALLOWED
_CODE = re.compile(r"[0-9]{6}")


class CodeCheck(enum.Enum):
    RIGHT = "right"
    WRONG = "wrong"
    ALREADY_USED = "already used"


def confirmed_device(user: User) -> TotpDevice | None:
    """The person's authenticator app, if they have finished setting it up."""
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).first()


def pending_device(user: User) -> TotpDevice:
    """The person's authenticator app that is still being set up, created with a new random secret
    if there is none. The same secret is kept until it is confirmed, so that reloading the set-up
    page does not make an app the person has already added stop working.

    Raises ValueError if the person already has a confirmed device: its secret is never shown again.
    """
    with transaction.atomic():
        device, _ = TotpDevice.objects.get_or_create(
            user=user, defaults={"secret": pyotp.random_base32()}
        )
    if device.confirmed_at is not None:
        raise ValueError("this person has already set up their authenticator app")
    return device


def provisioning_uri(device: TotpDevice) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(device.secret).provisioning_uri(name=device.user.email, issuer_name=ISSUER)


def qr_code_data_uri(text: str) -> str:
    """A QR code of ``text`` as an SVG image in a data: URI, made here (nothing is fetched from
    elsewhere) and shown with <img>, which the content security policy allows (img-src data:)."""
    buffer = io.BytesIO()
    segno.make(text, error="m").save(
        buffer, kind="svg", scale=4, border=4, xmldecl=False, dark="#0b0c0c", light="#ffffff"
    )
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def qr_code_size(text: str) -> int:
    """The width (and height) in pixels of the image ``qr_code_data_uri`` makes."""
    width, _ = segno.make(text, error="m").symbol_size(scale=4, border=4)
    return int(width)


def secret_for_display(secret: str) -> str:
    """The secret in groups of 4 letters, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def normalise_code(text: str) -> str:
    """The code as typed, without the spaces or hyphens people (and some apps) put in it."""
    return re.sub(r"[\s\-]", "", text)


def is_code_shaped(code: str) -> bool:
    return _CODE.fullmatch(code) is not None


def verify_code(device: TotpDevice, code: str, *, for_time: dt.datetime | None = None) -> CodeCheck:
    """Check a 6-digit code from the app. A right code's time step is kept, so that the same code
    (or one from an earlier step) is refused afterwards; two requests racing with the same code
    cannot both succeed, because the step moves in one conditional update."""
    code = normalise_code(code)
    if not is_code_shaped(code):
        return CodeCheck.WRONG
    totp = pyotp.TOTP(device.secret)
    when = for_time or timezone.now()
    now_step = totp.timecode(when)
    # pyotp's verify(valid_window=1), keeping which step matched (the latest, if several do).
    matched = [
        now_step + offset
        for offset in range(-VALID_WINDOW, VALID_WINDOW + 1)
        if strings_equal(code, totp.at(when, counter_offset=offset))
    ]
    if not matched:
        return CodeCheck.WRONG
    step = max(matched)
    moved = TotpDevice.objects.filter(pk=device.pk, last_used_step__lt=step).update(
        last_used_step=step
    )
    if not moved:
        return CodeCheck.ALREADY_USED
    device.last_used_step = step
    return CodeCheck.RIGHT


def confirm_device(device: TotpDevice) -> None:
    """Mark a pending device as set up (after a right code from it)."""
    if device.confirmed_at is None:
        device.confirmed_at = timezone.now()
        TotpDevice.objects.filter(pk=device.pk, confirmed_at__isnull=True).update(
            confirmed_at=device.confirmed_at
        )


def two_factor_blocked(*, email: str, ip: str) -> bool:
    """True when too many wrong codes have been entered recently for this person or address."""
    since = timezone.now() - dt.timedelta(minutes=SIGN_IN_WINDOW_MINUTES)
    recent = TwoFactorAttempt.objects.filter(at__gte=since, succeeded=False)
    by_email = recent.filter(email=email.strip().lower()).count()
    by_ip = recent.filter(ip_hash=ip_hash(ip)).count()
    return by_email >= TWO_FACTOR_FAILURES_ALLOWED or by_ip >= TWO_FACTOR_FAILURES_ALLOWED * 4


def two_factor_record(*, email: str, ip: str, succeeded: bool) -> None:
    """Record one code entered (whether it was right, never the code itself)."""
    TwoFactorAttempt.objects.create(
        email=email.strip().lower()[:254], ip_hash=ip_hash(ip), succeeded=succeeded
    )


def two_factor_reset(*, user: User) -> bool:
    """Remove the person's authenticator app (for example after they lose their phone), so that
    they set up a new one the next time they sign in. False if they had none."""
    deleted, _ = TotpDevice.objects.filter(user=user).delete()
    return deleted > 0
