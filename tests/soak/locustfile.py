"""Realistic journeys for the soak test (run by test_soak.py; see tests/soak/conftest.py).

Families sign in, look at their cases, a case, a concern and their deadlines, add notes and upload
small PDFs and PNGs, and now and then sign out and in again. Advisers sign in with a code from
their authenticator app, look at their caseload and the cases shared with them, and add notes.
Every request is made as a browser would, one page at a time, with 1 to 3 seconds of thinking
between them.

SOAK_SEED names the JSON written by seed.py (accounts and cases). SOAK_EVENTS names a file this
appends one JSON line to for each write the server acknowledged (with what was written, to check
later that it was kept) and for each request the server refused because its disk was full (which
must only happen while the test has filled a disk, and must never have saved anything).

A 503 saying the server has run out of space is the designed answer while a disk is full: it is
counted as a success here and logged to SOAK_EVENTS. Every other unexpected status (any 500,
any other 5xx, a form sent back with errors) is a failure.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import time
import uuid
from pathlib import Path
from typing import Any

import pyotp
from locust import HttpUser, between, task
from soak_files import pdf, png  # beside this file (locust puts its folder on the path)

SEED: dict[str, Any] = json.loads(Path(os.environ["SOAK_SEED"]).read_text())
EVENTS = Path(os.environ["SOAK_EVENTS"])
ADVISER_USERS = int(os.environ.get("SOAK_ADVISER_USERS", "4"))
DISK_FULL_TEXT = "the server has run out of space. Nothing was saved."
NOTE_DATE = {"date-day": "20", "date-month": "11", "date-year": "2026"}

_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_FORM_KEY = re.compile(r'name="form_key" value="([^"]+)"')
_family_numbers = itertools.count()
_adviser_numbers = itertools.count()


def event(kind: str, **values: Any) -> None:
    with EVENTS.open("a") as f:
        f.write(json.dumps({"t": time.time(), "kind": kind, **values}) + "\n")


class Journey(HttpUser):
    abstract = True
    wait_time = between(1, 3)
    signed_in = False

    # -- requests ---------------------------------------------------------------------------

    def get(self, url: str, name: str, *, expect: tuple[int, ...] = (200,)) -> Any:
        with self.client.get(url, name=name, allow_redirects=False, catch_response=True) as r:
            return self.judge(r, name, expect)

    def post(self, url: str, name: str, data: dict[str, Any], **kwargs: Any) -> Any:
        with self.client.post(
            url, data=data, name=name, allow_redirects=False, catch_response=True, **kwargs
        ) as r:
            return self.judge(r, name, (302,), written=data)

    def judge(
        self, r: Any, name: str, expect: tuple[int, ...], written: dict[str, Any] | None = None
    ) -> Any:
        location = r.headers.get("Location", "")
        if r.status_code == 302 and location.startswith("/account/sign-in"):
            # The session ended (it was signed out elsewhere, or not saved while a disk was full).
            r.success()
            self.signed_in = False
            return None
        if r.status_code in expect:
            r.success()
            return r
        if r.status_code == 503 and DISK_FULL_TEXT in r.text:
            r.success()
            event("disk_full", name=name, title=(written or {}).get("title"))
            return None
        r.failure(f"{name}: status {r.status_code}")
        return None

    def form(self, url: str, name: str) -> dict[str, str] | None:
        """GET a form page: its CSRF token and form key."""
        r = self.get(url, name)
        if r is None:
            return None
        token = _CSRF.search(r.text)
        key = _FORM_KEY.search(r.text)
        if token is None:
            r.failure(f"{name}: no CSRF token")
            return None
        values = {"csrfmiddlewaretoken": token.group(1)}
        if key is not None:
            values["form_key"] = key.group(1)
        return values

    def password_step(self, email: str, next_url: str) -> str | None:
        """The sign-in page and its form: where the server sends the browser next."""
        fields = self.form("/account/sign-in", "sign in (page)")
        if fields is None:
            return None
        r = self.post(
            "/account/sign-in",
            "sign in",
            {**fields, "email": email, "password": SEED["password"], "next": next_url},
        )
        return None if r is None else r.headers["Location"]

    def ensure_signed_in(self) -> bool:
        if not self.signed_in:
            self.sign_in()
        return self.signed_in

    def add_note(self, case: str, who: str) -> None:
        fields = self.form(f"/cases/{case}/timeline/new", "add note (form)")
        if fields is None:
            return
        title = f"Soak note {uuid.uuid4()}"
        data = {
            **fields,
            "kind": "note",
            "title": title,
            "people": "SENCo, class teacher",
            "body": f"Call with school by {who}. " * 15,
            "actions": "Ask for the plan in writing.",
            "concern": "",
            **NOTE_DATE,
        }
        r = self.post(f"/cases/{case}/timeline/new", "add note", data)
        if r is not None:
            entry = r.headers["Location"].rpartition("#entry-")[2]
            event("note", case=case, entry=entry, title=title)

    def view_case(self, case: str) -> None:
        self.get(f"/cases/{case}/", "case (with its timeline)")

    def view_deadlines(self) -> None:
        self.get("/deadlines", "deadlines")


class Family(Journey):
    weight = 4

    def on_start(self) -> None:
        number = next(_family_numbers) % len(SEED["families"])
        me = SEED["families"][number]
        self.email, self.case, self.concern = me["email"], me["case"], me["concern"]
        self.sign_in()

    def sign_in(self) -> None:
        self.signed_in = self.password_step(self.email, "/cases/") == "/cases/"

    @task(6)
    def my_cases(self) -> None:
        if self.ensure_signed_in():
            self.get("/cases/", "my cases")

    @task(8)
    def case_page(self) -> None:
        if self.ensure_signed_in():
            self.view_case(self.case)

    @task(4)
    def concern_page(self) -> None:
        if self.ensure_signed_in():
            self.get(f"/cases/{self.case}/concerns/{self.concern}/", "concern")

    @task(4)
    def deadlines(self) -> None:
        if self.ensure_signed_in():
            self.view_deadlines()

    @task(4)
    def note(self) -> None:
        if self.ensure_signed_in():
            self.add_note(self.case, "family")

    @task(2)
    def upload(self) -> None:
        if not self.ensure_signed_in():
            return
        url = f"/cases/{self.case}/evidence/new"
        fields = self.form(url, "upload (form)")
        if fields is None:
            return
        label = str(uuid.uuid4())
        if int(label[0], 16) % 2:
            content, name, mime = pdf(label), "letter.pdf", "application/pdf"
        else:
            content, name, mime = png(label), "photo.png", "image/png"
        title = f"Soak upload {label}"
        r = self.post(
            url,
            "upload",
            {**fields, "title": title, "concern": ""},
            files={"file": (name, content, mime)},
        )
        if r is not None:
            event(
                "upload",
                case=self.case,
                title=title,
                sha256=hashlib.sha256(content).hexdigest(),
                size=len(content),
            )

    @task(1)
    def sign_out_and_in(self) -> None:
        if not self.ensure_signed_in():
            return
        fields = self.form("/account/", "account")
        if fields is None:
            return
        self.post("/account/sign-out", "sign out", fields)
        self.signed_in = False
        self.sign_in()


class Adviser(Journey):
    fixed_count = ADVISER_USERS
    last_step = -1

    def on_start(self) -> None:
        number = next(_adviser_numbers) % len(SEED["advisers"])
        me = SEED["advisers"][number]
        self.email, self.cases = me["email"], me["cases"]
        self.totp = pyotp.TOTP(me["totp_secret"])
        self.sign_in()

    def sign_in(self) -> None:
        self.signed_in = False
        if self.password_step(self.email, "/caseload") != "/account/two-factor":
            return
        fields = self.form("/account/two-factor/code", "two-factor code (page)")
        if fields is None:
            return
        # A code works once: wait for the app's next code if this one was used already.
        while self.totp.timecode(time.time()) <= self.last_step:
            time.sleep(1)
        self.last_step = self.totp.timecode(time.time())
        r = self.post(
            "/account/two-factor/code",
            "two-factor code",
            {**fields, "code": self.totp.at(time.time())},
        )
        self.signed_in = r is not None and r.headers["Location"] == "/caseload"

    def a_case(self) -> str:
        return str(self.cases[int(time.time() * 1000) % len(self.cases)])

    @task(4)
    def caseload(self) -> None:
        if self.ensure_signed_in():
            self.get("/caseload", "caseload")

    @task(4)
    def shared_case(self) -> None:
        if self.ensure_signed_in():
            self.view_case(self.a_case())

    @task(2)
    def deadlines(self) -> None:
        if self.ensure_signed_in():
            self.view_deadlines()

    @task(1)
    def note(self) -> None:
        if self.ensure_signed_in():
            self.add_note(self.a_case(), "adviser")
