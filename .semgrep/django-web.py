# ruff: noqa
# Examples for the rules in django-web.yaml: lines marked ruleid must be found, lines marked ok not.
import logging
import os

from django.db import connection
from django.db.models.expressions import RawSQL
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from markupsafe import Markup, escape

from sendroute.cases.access import Need, case_for, one_of
from sendroute.cases.models import Case, Entry, Evidence
from sendroute.cases.services import submit_once
from sendroute.web.settings import env_bool

log = logging.getLogger(__name__)


def show_case_title(case):
    # ruleid: sendroute-no-mark-safe
    title = mark_safe(f"<strong>{case.title}</strong>")
    # ruleid: sendroute-no-mark-safe
    name = Markup(case.child_name)
    # ok: sendroute-no-mark-safe
    safe = escape(case.title)
    return title, name, safe


# ruleid: sendroute-csrf-exempt-outside-api
@csrf_exempt
def change_case(request, case_id):
    return None


# ruleid: sendroute-csrf-exempt-outside-api
change_case_again = csrf_exempt(change_case)


@csrf_protect
def _upload_checked(request, case_id):
    return None


def _upload_unchecked(request, case_id):
    return None


# ok: sendroute-csrf-exempt-outside-api
@csrf_exempt
def upload(request, case_id):
    request.upload_handlers = []
    # ok: sendroute-csrf-exempt-must-hand-over-to-csrf-protect
    return _upload_checked(request, case_id)


@csrf_exempt
def upload_without_check(request, case_id):
    # ruleid: sendroute-csrf-exempt-must-hand-over-to-csrf-protect
    return _upload_unchecked(request, case_id)


# ruleid: sendroute-no-debug-true
DEBUG = True
# ok: sendroute-no-debug-true
DEBUG = False
# ruleid: sendroute-no-debug-true
DEBUG = env_bool("SENDROUTE_DEBUG", default=True)
# ruleid: sendroute-no-debug-true
DEBUG = os.environ.get("SENDROUTE_DEBUG", "1")
# ok: sendroute-no-debug-true
DEBUG = env_bool("SENDROUTE_DEBUG", default=False)


def turn_on_debug(settings):
    # ruleid: sendroute-no-debug-true
    settings.DEBUG = True


def find_cases(request, title, table):
    with connection.cursor() as cursor:
        # ruleid: sendroute-no-sql-string-formatting
        cursor.execute(f"SELECT * FROM cases_case WHERE title = '{title}'")
        # ruleid: sendroute-no-sql-string-formatting
        cursor.execute("SELECT * FROM cases_case WHERE title = '%s'" % title)
        # ruleid: sendroute-no-sql-string-formatting
        cursor.execute("SELECT * FROM cases_case WHERE title = '{}'".format(title))
        # ruleid: sendroute-no-sql-string-formatting
        cursor.execute("SELECT * FROM " + table)
        # ok: sendroute-no-sql-string-formatting
        cursor.execute("SELECT * FROM cases_case WHERE title = %s", [title])
    # ruleid: sendroute-no-sql-string-formatting
    Case.objects.raw(f"SELECT * FROM cases_case WHERE title = '{title}'")
    # ruleid: sendroute-no-sql-string-formatting
    Case.objects.annotate(x=RawSQL("SELECT %s" % title, []))
    # ruleid: sendroute-no-sql-string-formatting
    Case.objects.extra(where=[f"title = '{title}'"])
    # ok: sendroute-no-sql-string-formatting
    return Case.objects.filter(title=title)


def case_page(request, case_id, entry_id, evidence_id):
    # ruleid: sendroute-case-object-fetched-without-access-check
    case = Case.objects.get(public_id=case_id)
    # ruleid: sendroute-case-object-fetched-without-access-check
    entry = get_object_or_404(Entry, public_id=entry_id)
    # ruleid: sendroute-case-object-fetched-without-access-check
    evidence = Evidence.objects.filter(public_id=evidence_id).first()
    # ok: sendroute-case-object-fetched-without-access-check
    case = case_for(request.user, case_id, Need.VIEW)
    # ok: sendroute-case-object-fetched-without-access-check
    entry = one_of(case.entries.all(), entry_id)
    # ok: sendroute-case-object-fetched-without-access-check
    mine = Case.objects.filter(public_id=case_id, owner=request.user).first()
    # ok: sendroute-case-object-fetched-without-access-check
    Case.objects.filter(pk=case.pk).update(title="x")
    return case, entry, evidence, mine


def after_sign_in(request):
    next_url = request.GET.get("next")
    # ruleid: sendroute-open-redirect
    return redirect(next_url)


def after_sign_in_header(request):
    # ruleid: sendroute-open-redirect
    return HttpResponseRedirect(request.headers.get("Referer"))


def make_case(request, user):
    def create():
        return reverse("cases:case", kwargs={"case_id": request.POST.get("id")})

    # ok: sendroute-open-redirect
    return redirect(submit_once(key=request.POST.get("form_key"), user=user, do=create))


def after_sign_in_checked(request):
    next_url = request.POST.get("next") or "/account/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/account/"
    # ok: sendroute-open-redirect
    return redirect(next_url)


def record(request, case, entry):
    # ruleid: sendroute-no-personal-data-in-logs
    log.info("saved case for %s", case.child_name)
    # ruleid: sendroute-no-personal-data-in-logs
    log.warning(f"note {entry.body} could not be saved")
    # ruleid: sendroute-no-personal-data-in-logs
    logging.error("bad form %s", request.POST)
    # ruleid: sendroute-no-personal-data-in-logs
    log.exception("letter %r failed", {"title": case.title})
    # ok: sendroute-no-personal-data-in-logs
    log.info("saved case %s", case.public_id)
