"""The `sendroute` command: advice from a facts file, a terminal interview, and pack tools.

Exit codes: 0 success; 2 bad input (a file, a fact, a date, a broken pack) with one clear message
on standard error; 70 for a fault inside sendroute (reported without a traceback).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .rules import (
    InputError,
    RuleSet,
    advise,
    available_areas,
    load_ruleset,
    load_ruleset_from,
    parse_facts,
    parse_today,
)
from .rules.explain import explain_rule
from .rules.report import advice_text, citation_text
from .rules.yamlfile import load_yaml_file, load_yaml_text

EXIT_OK = 0
EXIT_INPUT = 2
EXIT_INTERNAL = 70


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with one plain message (its default, but without the usage dump)."""

    def error(self, message: str) -> Any:
        self.exit(EXIT_INPUT, f"sendroute: {message}. Run 'sendroute --help' for how to use it.\n")


def _today(value: str | None) -> dt.date:
    return dt.date.today() if value is None else parse_today(value, field="--today")


def _read_facts_document(path: str) -> tuple[dict[str, Any], str]:
    if path == "-":
        raw = load_yaml_text(sys.stdin.read(), "<stdin>")
        where = "<stdin>"
    else:
        raw = load_yaml_file(Path(path))
        where = path
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise InputError(
            "a facts file must be a mapping of fact names to answers, such as 'child_at_risk: no'.",
            file=where,
        )
    return raw, where


def cmd_advise(args: argparse.Namespace) -> int:
    raw, where = _read_facts_document(args.facts)
    facts_raw: Any = raw
    area = args.area
    today_text = args.today
    if "facts" in raw and isinstance(raw.get("facts"), dict | type(None)):
        extra = set(raw) - {"facts", "area", "today"}
        if extra:
            raise InputError(
                f"unknown top-level keys {sorted(extra)}; a facts document has facts, area and today.",
                file=where,
            )
        facts_raw = raw.get("facts") or {}
        area = area or raw.get("area")
        if today_text is None and raw.get("today") is not None:
            today_text = str(raw["today"])
    rules = load_ruleset(area or "norfolk")
    today = _today(today_text)
    advice = advise(rules, parse_facts(facts_raw, rules, today, file=where), today)
    if args.format == "json":
        print(json.dumps(advice.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(advice_text(advice), end="")
    return EXIT_OK


def cmd_interview(args: argparse.Namespace) -> int:
    from .interview import run_interview

    rules = load_ruleset(args.area)
    run_interview(rules, _today(args.today), input, print)
    return EXIT_OK


def _facts_listing(rules: RuleSet) -> list[dict[str, Any]]:
    return [
        {
            "name": f.id,
            "type": f.type,
            "values": [v.value for v in f.values],
            "question": f.question,
            "help": " ".join(x for x in (f.hint, f.why) if x),
            "priority": f.priority,
        }
        for f in rules.facts.values()
    ]


def cmd_facts(args: argparse.Namespace) -> int:
    rules = load_ruleset(args.area)
    listing = _facts_listing(rules)
    if args.format == "json":
        print(json.dumps(listing, indent=2, ensure_ascii=False))
        return EXIT_OK
    for fact in listing:
        values = f" ({', '.join(fact['values'])})" if fact["values"] else ""
        print(f"{fact['name']}: {fact['type']}{values}")
        print(f"    {fact['question']}")
        if fact["help"]:
            print(f"    {fact['help']}")
    return EXIT_OK


def _explain_lines(rules: RuleSet, rule_id: str) -> list[str] | None:
    found = explain_rule(rules, rule_id)
    if found is None:
        return None

    def sources(citations: list[dict[str, Any]], indent: str = "  ") -> list[str]:
        return [f"{indent}- {citation_text(rules.citation_out[c['id']])}" for c in citations]

    d = found["details"]
    kind = found["kind"]
    if kind == "step":
        lines = [
            f"Step {found['id']} (route {d['route']}): {found['title']}",
            f"  Body: {d['body']}",
        ]
        lines.append(f"  Shown when: {d['shown_when']}")
        if d["already_done_when"]:
            lines.append(f"  Already done when: {d['already_done_when']}")
        for r in d["requires"]:
            lines += [f"  Requires: {r['condition']}", f"    otherwise: {r['otherwise']}"]
            lines += sources(r["citations"], "    ")
        for r in d["not_open_if"]:
            lines += [f"  Not open if: {r['condition']}", f"    because: {r['because']}"]
            lines += sources(r["citations"], "    ")
        if d["recommended_when"]:
            lines.append(f"  Recommended when: {d['recommended_when']}")
        if d["time_limit"]:
            lines.append(f"  Time limit: {d['time_limit']}")
        if d["deadlines"]:
            lines.append(f"  Related deadlines: {', '.join(d['deadlines'])}")
    elif kind == "deadline":
        who = "for you" if d["who"] == "you" else "for the body"
        lines = [f"Deadline {found['id']}: {found['title']} ({who})"]
        lines.append(f"  Applies when: {d['applies_when']}")
        if d["start"]:
            lines.append(f"  Counted from: {d['start']} ({d['start_label']})")
            lines.append(f"  Period: {d['amount']} by {d['method']}; adjustment: {d['adjustment']}")
        for p in d["later_of"]:
            lines.append(f"  The later of: {p['amount']} by {p['method']} from {p['start']}")
        for v in d["versions"]:
            lines.append(
                f"  From {v['effective']}: {v['amount']} by {v['method']}; "
                f"adjustment {v['adjustment']}"
            )
        if d["discretion"]:
            lines.append(f"  If late: {d['discretion']}")
    elif kind == "warning":
        lines = [f"Warning {found['id']} ({d['severity']}): {d['text']}"]
        lines.append(f"  Shown when: {d['shown_when']}")
    else:
        cited = rules.citation_out[rule_id]
        lines = [f"Source {cited.id}: {citation_text(cited)}", "  Used by:"]
        return lines + [f"  - {u}" for u in d["used_by"]]
    lines.append("  Sources:")
    return lines + sources(found["citations"])


def cmd_explain(args: argparse.Namespace) -> int:
    rules = load_ruleset(args.area)
    lines = _explain_lines(rules, args.rule_id)
    if lines is None:
        raise InputError(
            f"there is no step, deadline, warning or source called {args.rule_id!r}. "
            "Step ids look like 'school-dfe'; source ids like 'R-LGO-01' or 'seed-jr'.",
            field="RULE_ID",
        )
    print("\n".join(lines))
    return EXIT_OK


def cmd_check_pack(args: argparse.Namespace) -> int:
    rules = load_ruleset_from(Path(args.directory))
    steps = sum(len(r.steps) for r in rules.routes)
    print(
        f"{args.directory}: pack {rules.area.id} {rules.area.version} is valid "
        f"({len(rules.facts)} facts, {len(rules.routes)} routes, {steps} steps, "
        f"{len(rules.deadlines)} deadlines, {len(rules.warnings)} warnings, "
        f"{len(rules.citations)} citations)."
    )
    return EXIT_OK


def cmd_areas(args: argparse.Namespace) -> int:
    for area_id, meta in available_areas().items():
        print(f"{area_id}: {meta.area_name or meta.name} (version {meta.version})")
    return EXIT_OK


def _django() -> None:
    """Set up Django for the commands that use the database (only they need it)."""
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sendroute.web.settings")
    django.setup()


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
        if not password:
            raise InputError("no password was given on standard input.", field="--password-stdin")
        return password
    if not sys.stdin.isatty():
        raise InputError(
            "give the password with --password-stdin when not typing at a terminal.",
            field="--password-stdin",
        )
    import getpass

    first = getpass.getpass("Password (at least 12 characters): ")
    if first != getpass.getpass("Type it again: "):
        raise InputError("the two passwords are different. Nothing was changed.", field="password")
    return first


def cmd_user(args: argparse.Namespace) -> int:
    _django()
    from django.db import DatabaseError

    from .accounts.models import User
    from .accounts.services import AccountError, token_create, user_create
    from .accounts.two_factor import two_factor_reset

    try:
        if args.user_command == "add":
            password = _read_password(args)
            user = user_create(email=args.email, role=args.role, password=password)
            print(f"Created {user.email} with the role {user.role}.")
            return EXIT_OK
        owner = User.objects.filter(email=args.email.strip().lower()).first()
        if owner is None:
            raise InputError(f"there is no account for {args.email}.", field="EMAIL")
        if args.user_command == "reset-two-factor":
            if two_factor_reset(user=owner):
                print(
                    f"Reset two-factor authentication for {owner.email}. They will be asked to "
                    "set up an authenticator app the next time they sign in."
                )
            else:
                print(
                    f"{owner.email} has not set up two-factor authentication. Nothing was changed."
                )
            return EXIT_OK
        token, record = token_create(user=owner)
        print(token)
        print(
            f"This is the only time this token is shown. It starts {record.prefix}; "
            "keep it secret, and use it as 'Authorization: Bearer TOKEN'.",
            file=sys.stderr,
        )
        return EXIT_OK
    except AccountError as exc:
        raise InputError(str(exc)) from None
    except DatabaseError:
        raise InputError(
            "the database is not ready. Run 'python manage.py migrate' (make run does this).",
        ) from None


def cmd_seed_data(args: argparse.Namespace) -> int:
    """Fill an empty database with synthetic data (sendroute.cases.seed_data)."""
    import math
    from pathlib import Path

    try:
        scale = float(args.scale)
    except ValueError:
        scale = math.nan
    if not math.isfinite(scale) or not 0 < scale <= 50:
        raise InputError(
            f"it must be a number more than 0 and at most 50, like 1 or 0.5 (not {args.scale!r}).",
            field="--scale",
        )
    _django()
    from django.db import DatabaseError

    from .cases.seed_data import SeedError, seed

    evidence = Path(args.evidence_dir) if args.evidence_dir else None
    try:
        summary = seed(
            scale,
            rng_seed=args.seed,
            evidence_dir=evidence,
            progress=lambda message: print(message, file=sys.stderr, flush=True),
        )
    except SeedError as exc:
        raise InputError(str(exc)) from None
    except DatabaseError:
        raise InputError(
            "the database is not ready. Run 'python manage.py migrate' first."
        ) from None
    for line in summary.lines():
        print(line)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="sendroute", description="Advice about SEND complaints and disagreements in England."
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser(
        "advise", help="advice for the facts in a YAML file ('-' for standard input)"
    )
    p.add_argument("facts", metavar="FACTS.yaml")
    p.add_argument("--area", default=None, help="area pack (default: norfolk)")
    p.add_argument("--today", default=None, metavar="YYYY-MM-DD", help="the date to treat as today")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=cmd_advise)

    p = sub.add_parser("interview", help="answer questions one at a time, then get advice")
    p.add_argument("--area", default="norfolk")
    p.add_argument("--today", default=None, metavar="YYYY-MM-DD")
    p.set_defaults(func=cmd_interview)

    p = sub.add_parser("facts", help="list every fact: name, type, allowed values, question, help")
    p.add_argument("--area", default="norfolk")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=cmd_facts)

    p = sub.add_parser("explain", help="show a rule: its conditions and sources")
    p.add_argument("rule_id", metavar="RULE_ID")
    p.add_argument("--area", default="norfolk")
    p.set_defaults(func=cmd_explain)

    p = sub.add_parser("check-pack", help="validate a rules pack folder")
    p.add_argument("directory", metavar="DIR")
    p.set_defaults(func=cmd_check_pack)

    p = sub.add_parser("areas", help="list the areas sendroute has rules for")
    p.set_defaults(func=cmd_areas)

    p = sub.add_parser(
        "seed-data",
        help="fill an empty database with synthetic families and cases, for performance tests",
    )
    p.add_argument(
        "--scale",
        required=True,
        metavar="S",
        help="how much: 1 is 10,000 cases and 400,000 events (more than 0, at most 50)",
    )
    p.add_argument("--seed", type=int, default=1, metavar="N", help="random seed (default 1)")
    p.add_argument(
        "--evidence-dir",
        default=None,
        metavar="DIR",
        help="where to store the evidence files (default: SENDROUTE_EVIDENCE_DIR)",
    )
    p.set_defaults(func=cmd_seed_data)

    p = sub.add_parser("user", help="manage accounts (administrators)")
    users = p.add_subparsers(dest="user_command", required=True, parser_class=_Parser)
    add = users.add_parser("add", help="create an account")
    add.add_argument("email", metavar="EMAIL")
    add.add_argument(
        "--role",
        required=True,
        choices=("parent", "young_person", "adviser", "staff", "administrator"),
    )
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    add.set_defaults(func=cmd_user)
    token = users.add_parser("token", help="print a new personal API token for an account")
    token.add_argument("email", metavar="EMAIL")
    token.set_defaults(func=cmd_user)
    reset = users.add_parser(
        "reset-two-factor",
        help="remove an account's authenticator app (for a lost phone); they set up a new one "
        "the next time they sign in",
    )
    reset.add_argument("email", metavar="EMAIL")
    reset.set_defaults(func=cmd_user)

    def cmd_backups(args: argparse.Namespace) -> int:
        _django()
        from .backups import command

        return command(args)

    p = sub.add_parser(
        "backup",
        help="copy the database and evidence files into a new folder, while the service runs",
    )
    p.add_argument("folder", metavar="DEST_DIR", help="a new (or empty) folder for the backup")
    p.set_defaults(func=cmd_backups)
    p = sub.add_parser(
        "restore", help="check a backup, restore it, and check the result against the backup"
    )
    p.add_argument("folder", metavar="SRC_DIR")
    p.add_argument(
        "--replace",
        action="store_true",
        help="restore even though the database holds data (that data is lost)",
    )
    p.set_defaults(func=cmd_backups)
    p = sub.add_parser("backup-verify", help="check a backup's checksums without restoring it")
    p.add_argument("folder", metavar="SRC_DIR")
    p.set_defaults(func=cmd_backups)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `sendroute` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
        return code
    except InputError as exc:
        print(f"sendroute: {exc.describe()}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("\nsendroute: stopped.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:
        print(
            f"sendroute: something went wrong inside sendroute ({type(exc).__name__}). "
            "Nothing was changed. Please report this with the command you ran.",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
