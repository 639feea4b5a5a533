"""Audit the app's pinned dependencies for known vulnerabilities, and never call an audit that
could not reach its advisory database a pass.

    python tools/dependency_audit.py [--python .venv/bin/python] [--pip-audit .venv-tools/bin/pip-audit]

It lists what is installed in the app's virtual environment (``pip list``, without the project
itself), asks the advisory service whether it answers at all (a probe request), runs pip-audit on
exactly those pins, and reads pip-audit's JSON answer package by package. pip-audit alone reports
"No known vulnerabilities found" and exits 0 when it checked nothing (each package "not found" or
skipped): that is a false pass, so here the audit passes only when every package was checked.

Exit codes:
    0  every package was checked; no vulnerability that is not reviewed
    1  a vulnerability that is not reviewed (or a review that has expired or gives no reason)
    2  this script was used wrongly (a missing or unreadable file)
    3  the audit DID NOT RUN (the service could not be reached, pip-audit is not installed, or
       some packages could not be checked): this is not a pass

Reviewed vulnerabilities are listed in tools/dependency_audit_reviewed.toml, each with the
package, a reason and a date by which to review it again.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import tomllib
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASS, FOUND, USAGE, NOT_RUN = 0, 1, 2, 3
SERVICES = {
    # What pip-audit asks, and how to ask it once ourselves: (name, version) -> request.
    "pypi": "https://pypi.org/pypi/{name}/{version}/json",
    "osv": "https://api.osv.dev/v1/query",
}
PROJECT = "sendroute"


@dataclasses.dataclass(frozen=True)
class Verdict:
    code: int
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def not_run(reason: str, *details: str) -> Verdict:
    return Verdict(
        NOT_RUN,
        (f"Dependency audit DID NOT RUN: {reason}. This is not a pass.", *details),
    )


@dataclasses.dataclass(frozen=True)
class Review:
    id: str
    package: str
    reason: str
    review_by: dt.date


def read_reviews(path: Path, today: dt.date) -> tuple[list[Review], list[str]]:
    """The reviewed vulnerabilities, and the problems with the file (each one fails the audit)."""
    if not path.exists():
        return [], []
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    reviews, problems = [], []
    for n, item in enumerate(data.get("reviewed", []), start=1):
        vuln_id = str(item.get("id", "")).strip()
        package = str(item.get("package", "")).strip().lower()
        reason = str(item.get("reason", "")).strip()
        review_by = item.get("review_by")
        where = f"{path.name}, review {n} ({vuln_id or 'no id'})"
        if not vuln_id or not package:
            problems.append(f"{where}: needs an id and a package")
            continue
        if len(reason.split()) < 5:
            problems.append(f"{where}: needs a reason (why it does not affect sendroute)")
            continue
        if not isinstance(review_by, dt.date):
            problems.append(f"{where}: needs review_by = YYYY-MM-DD")
            continue
        if review_by < today:
            problems.append(f"{where}: its review ran out on {review_by}; review it again")
            continue
        reviews.append(Review(vuln_id, package, reason, review_by))
    return reviews, problems


def interpret(
    *,
    returncode: int,
    report: str | None,
    stderr: str,
    requested: Sequence[tuple[str, str]],
    reviews: Sequence[Review],
    review_problems: Sequence[str] = (),
    service: str = "pypi",
) -> Verdict:
    """Read pip-audit's JSON answer. Only an answer in which every requested package was checked
    can pass; pip-audit's own words and exit code are never taken as a pass."""
    if report is None or not report.strip():
        last = next((ln for ln in reversed(stderr.strip().splitlines()) if ln.strip()), "")
        return not_run(f"pip-audit stopped without a report (exit {returncode}): {last[-300:]}")
    try:
        data = json.loads(report)
        dependencies = list(data["dependencies"])
    except (ValueError, KeyError, TypeError):
        return not_run(f"pip-audit's report could not be read (exit {returncode})")
    skipped = [d for d in dependencies if d.get("skip_reason")]
    checked = {str(d.get("name", "")).lower(): d for d in dependencies if not d.get("skip_reason")}
    wanted = {name.lower() for name, _ in requested}
    missing = sorted(wanted - checked.keys() - {str(d.get("name", "")).lower() for d in skipped})

    lines: list[str] = []
    unreviewed, accepted = [], []
    for name, dependency in sorted(checked.items()):
        for vuln in dependency.get("vulns", []):
            ids = {vuln.get("id", ""), *vuln.get("aliases", [])}
            review = next((r for r in reviews if r.package == name and r.id in ids), None)
            fixes = ", ".join(vuln.get("fix_versions", [])) or "no fixed version yet"
            line = f"{name} {dependency.get('version')}: {vuln.get('id')} (fixed in {fixes})"
            if review is None:
                unreviewed.append(line)
            else:
                accepted.append(f"{line}: reviewed until {review.review_by}: {review.reason}")
    if unreviewed or review_problems:
        lines.append(
            f"Dependency audit FAILED: {len(unreviewed)} known vulnerabilities not reviewed."
        )
        lines += [f"  {u}" for u in unreviewed]
        lines += [f"  review file: {p}" for p in review_problems]
        lines.append(
            "Upgrade the package (pin the fixed version in pyproject.toml), or, if sendroute is "
            "not affected, list it in tools/dependency_audit_reviewed.toml with the reason."
        )
        if skipped or missing:
            lines.append(f"  (and {len(skipped) + len(missing)} packages could not be checked)")
        return Verdict(FOUND, tuple(lines))
    if not checked:
        example = skipped[0]["skip_reason"] if skipped else "no package in the report"
        return not_run(
            f"none of the {len(requested)} packages could be checked against the {service} "
            f"advisory service",
            f"  pip-audit said, for example: {example}",
            "  (pip-audit's own summary claims a clean result and exits 0 in this case: "
            "a false pass)",
        )
    if skipped or missing:
        reasons = [f"  {d.get('name')}: {d.get('skip_reason')}" for d in skipped[:5]]
        reasons += [f"  {name}: not in pip-audit's report" for name in missing[:5]]
        return not_run(
            f"{len(skipped) + len(missing)} of {len(requested)} packages could not be checked",
            *reasons,
        )
    lines.append(
        f"Dependency audit passed: all {len(checked)} pinned packages were checked against the "
        f"{service} advisory service; no known vulnerability that is not reviewed."
    )
    lines += [f"  accepted: {a}" for a in accepted]
    return Verdict(PASS, tuple(lines))


def installed_pins(python: str) -> list[tuple[str, str]]:
    """Every package installed in that environment, as (name, version), without the project."""
    done = subprocess.run(  # noqa: S603 - a fixed command with an argument list, no shell
        [
            python,
            "-m",
            "pip",
            "list",
            "--format=json",
            "--exclude-editable",
            "--disable-pip-version-check",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return sorted(
        (p["name"], p["version"])
        for p in json.loads(done.stdout)
        if p["name"].lower() not in (PROJECT, "pip")
    )


def probe(service: str, url: str | None, pin: tuple[str, str], timeout: float) -> str | None:
    """Ask the advisory service about one package; None if it answered as it should, else why not."""
    name, version = pin
    if service == "osv":
        target = url or SERVICES["osv"]
        body = json.dumps({"package": {"name": name, "ecosystem": "PyPI"}, "version": version})
        request = urllib.request.Request(  # noqa: S310 - an https URL of ours, or a test's
            target, data=body.encode(), headers={"Content-Type": "application/json"}
        )
        expect = "vulns"
    else:
        target = url or SERVICES["pypi"].format(name=name, version=version)
        request = urllib.request.Request(target)  # noqa: S310 - as above
        expect = "vulnerabilities"
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
            payload = json.loads(answer.read(5_000_000) or b"{}")
    except urllib.error.HTTPError as error:
        return f"the {service} advisory service ({target}) answered HTTP {error.code}"
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        return f"the {service} advisory service ({target}) could not be reached: {reason}"
    except ValueError:
        return f"the {service} advisory service ({target}) did not answer with JSON"
    if service == "osv" and isinstance(payload, dict) and payload == {}:
        return None  # OSV answers {} for a package with no known vulnerability
    if not isinstance(payload, dict) or expect not in payload:
        return f"the {service} advisory service ({target}) answered without {expect!r}"
    return None


def run(argv: Sequence[str] | None = None) -> Verdict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", default=str(ROOT / ".venv" / "bin" / "python"))
    parser.add_argument("--pip-audit", default=str(ROOT / ".venv-tools" / "bin" / "pip-audit"))
    parser.add_argument(
        "--reviewed", type=Path, default=ROOT / "tools" / "dependency_audit_reviewed.toml"
    )
    parser.add_argument("--service", choices=sorted(SERVICES), default="pypi")
    parser.add_argument("--probe-url", help="ask this URL instead of the service (for tests)")
    parser.add_argument("--timeout", type=float, default=15.0)
    args = parser.parse_args(argv)

    if not Path(args.python).exists():
        return Verdict(USAGE, (f"No Python at {args.python}: run `make install` first.",))
    try:
        reviews, problems = read_reviews(args.reviewed, dt.date.today())
    except (OSError, tomllib.TOMLDecodeError) as error:
        return Verdict(USAGE, (f"{args.reviewed} could not be read: {error}",))
    if not Path(args.pip_audit).exists():
        return not_run(f"pip-audit is not installed at {args.pip_audit} (make tools-venv)")
    pins = installed_pins(args.python)
    if not pins:
        return not_run(f"no installed package was found in {args.python}'s environment")
    reached = probe(args.service, args.probe_url, pins[0], args.timeout)
    if reached is not None:
        return not_run(reached, f"  ({len(pins)} packages were to be checked; none was)")

    with tempfile.TemporaryDirectory(prefix="dependency-audit-") as folder:
        requirements = Path(folder) / "requirements.txt"
        requirements.write_text("".join(f"{n}=={v}\n" for n, v in pins), encoding="utf-8")
        report = Path(folder) / "report.json"
        command = [
            args.pip_audit,
            "--requirement",
            str(requirements),
            "--no-deps",
            "--disable-pip",
            "--progress-spinner",
            "off",
            "--vulnerability-service",
            args.service,
            "--timeout",
            str(int(args.timeout)),
            "--format",
            "json",
            "--output",
            str(report),
        ]
        env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
        try:
            done = subprocess.run(  # noqa: S603 - pip-audit with an argument list, no shell
                command, capture_output=True, text=True, check=False, timeout=900, env=env
            )
        except subprocess.TimeoutExpired:
            return not_run("pip-audit did not finish within 15 minutes")
        text = report.read_text(encoding="utf-8") if report.exists() else None
        return interpret(
            returncode=done.returncode,
            report=text,
            stderr=done.stderr,
            requested=pins,
            reviews=reviews,
            review_problems=problems,
            service=args.service,
        )


def main(argv: Sequence[str] | None = None) -> int:
    verdict = run(argv)
    stream = sys.stdout if verdict.code in (PASS, NOT_RUN) else sys.stderr
    stream.write(verdict.text + "\n")
    return verdict.code


if __name__ == "__main__":
    sys.exit(main())
