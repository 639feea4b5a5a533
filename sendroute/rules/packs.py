"""Loading rules packs: the national pack for England, overlaid by one area pack.

A pack is a folder of YAML data (never code): ``pack.yaml`` plus the folders ``facts``,
``citations``, ``bodies``, ``routes``, ``deadlines``, ``warnings`` and ``conditions``. Each file
holds one entry, or a list of entries, each with an ``id``. An area pack (``extends: england``)
adds entries and overlays national ones with the same id: mappings merge key by key, a route's
steps merge by step id, and any other list is replaced whole.

Loading checks everything before anything is used: a broken pack raises :class:`PackError` naming
the file, the line and the field, and no part of it is loaded.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from .advice import BodyOut, CitationOut
from .conditions import Condition, deadlines_used, parse_condition
from .dates import METHODS
from .errors import InputError, PackError
from .model import (
    Body,
    Citation,
    DeadlineSpec,
    Fact,
    PackMeta,
    Route,
    Step,
    StepRecord,
    WarningSpec,
)
from .yamlfile import LineDict, file_of, line_of, load_yaml_file

__all__ = [
    "BUILTIN_PACKS",
    "CompiledDeadline",
    "CompiledRoute",
    "CompiledStep",
    "CompiledWarning",
    "RuleSet",
    "available_areas",
    "load_ruleset",
    "load_ruleset_from",
]

BUILTIN_PACKS = Path(__file__).resolve().parent.parent / "packs"
KINDS = ("facts", "citations", "bodies", "conditions", "deadlines", "routes", "warnings")
# Keys that hold a condition: an overlay replaces them whole instead of merging them.
CONDITION_KEYS = frozenset({"when", "applies", "relevant", "done", "recommend"})
ADJUSTMENTS = ("none", "next_working_day", "tribunal_rule_12")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class CompiledStep:
    spec: Step
    route: str
    relevant: Condition
    done: Condition | None
    requires: tuple[Condition, ...]
    exclusions: tuple[Condition, ...]
    recommend: Condition | None


@dataclass(frozen=True)
class CompiledRoute:
    spec: Route
    applies: Condition
    steps: tuple[CompiledStep, ...]


@dataclass(frozen=True)
class CompiledDeadline:
    spec: DeadlineSpec
    applies: Condition
    # For later_of deadlines: when to ask for each period's start (always, unless the pack says).
    period_when: tuple[Condition, ...] = ()


@dataclass(frozen=True)
class CompiledWarning:
    spec: WarningSpec
    when: Condition


@dataclass(frozen=True, eq=False)
class RuleSet:
    """Everything the advice engine needs for one area: national rules with the area's overlay."""

    area: PackMeta
    packs: tuple[PackMeta, ...]
    facts: Mapping[str, Fact]
    citations: Mapping[str, Citation]
    bodies: Mapping[str, Body]
    routes: tuple[CompiledRoute, ...]
    deadlines: Mapping[str, CompiledDeadline]
    warnings: tuple[CompiledWarning, ...]

    @cached_property
    def citation_out(self) -> dict[str, CitationOut]:
        """Every citation in its output form, built once."""
        return {
            c.id: CitationOut(c.id, c.kind, c.quote, c.title, c.source, c.url, c.status)
            for c in self.citations.values()
        }

    @cached_property
    def body_out(self) -> dict[str, BodyOut]:
        """Every body in its output form, built once."""
        out = {}
        for b in self.bodies.values():
            contact = {k: v for k, v in b.contact.model_dump().items() if v}
            out[b.id] = BodyOut(b.id, b.name, b.short_name, b.explain, contact)
        return out

    @cached_property
    def step_index(self) -> dict[str, CompiledStep]:
        """Every step of every route, by step id (step ids are unique across routes)."""
        return {step.spec.id: step for route in self.routes for step in route.steps}

    def step(self, step_id: str) -> CompiledStep:
        """The step with this id, from any route. Raises ``KeyError`` for an unknown id."""
        return self.step_index[step_id]


@dataclass
class _Entry:
    data: dict[str, Any]
    file: str


@dataclass
class _RawPack:
    meta: PackMeta
    folder: Path
    entries: dict[str, dict[str, _Entry]]


def _origin(data: Any, path: Iterable[Any], file: str) -> tuple[str, int | None]:
    """The file and line of the deepest part of ``data`` along ``path`` that is known.

    After an overlay one entry holds parts read from several files (the national pack's and the
    area pack's); each part keeps its own file and line, so an error points at the right one.
    """
    node: Any = data
    file = file_of(data) or file
    line = line_of(data)
    for part in path:
        if isinstance(node, dict) and isinstance(part, str) and part in node:
            file = file_of(node, part) or file
            line = line_of(node, part) or line
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            file = file_of(node[part]) or file_of(node) or file
            line = line_of(node, part) or line_of(node[part]) or line
            node = node[part]
        else:
            break
    return file, line


def _at(entry: _Entry, *path: Any) -> dict[str, Any]:
    """``file`` and ``line`` arguments for a :class:`PackError` about a part of ``entry``."""
    file, line = _origin(entry.data, path, entry.file)
    return {"file": file, "line": line}


def _validate(model: type[M], data: Any, file: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = first["loc"]
        file, line = _origin(data, loc, file)
        field = ".".join(str(p) for p in loc) or "(whole entry)"
        more = len(exc.errors()) - 1
        extra = f" ({more} more problem{'s' if more != 1 else ''} in this entry.)" if more else ""
        message = first["msg"]
        if first["type"] == "extra_forbidden":
            message = "this field is not part of the pack format; check its spelling"
        elif first["type"] == "missing":
            message = "this field is required"
        raise PackError(f"{message}.{extra}", file=file, line=line, field=field) from None


def _value_problem(fact: Fact, value: Any) -> str | None:
    """Why ``value`` cannot be an answer to ``fact`` (a record block sets it), or None if it can."""
    allowed = [v.value for v in fact.values]
    if fact.type == "bool":
        return None if isinstance(value, bool) else "must be true or false"
    if fact.type == "choice":
        if isinstance(value, str) and value in allowed:
            return None
        return f"must be one of the fact's values: {', '.join(allowed)}"
    if fact.type == "multichoice":
        if (
            isinstance(value, list)
            and value
            and all(isinstance(v, str) and v in allowed for v in value)
        ):
            return None
        return f"must be a list of one or more of the fact's values: {', '.join(allowed)}"
    if fact.type == "date":
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return None
        if isinstance(value, str) and ISO_DATE.match(value):
            try:
                dt.date.fromisoformat(value)
            except ValueError:
                pass
            else:
                return None
        return "must be a real date written as YYYY-MM-DD"
    if fact.type == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            return "must be a number"
        if fact.minimum is not None and value < fact.minimum:
            return f"must be at least {fact.minimum:g}"
        if fact.maximum is not None and value > fact.maximum:
            return f"must be at most {fact.maximum:g}"
        return None
    return None if isinstance(value, str) else "must be text"


def _load_pack_yaml(path: Path) -> Any:
    """Read one YAML file of a pack: bad YAML in a pack is a broken pack, so a PackError."""
    try:
        return load_yaml_file(path)
    except PackError:
        raise
    except InputError as exc:
        raise PackError(exc.message, file=exc.file, line=exc.line, field=exc.field) from None


def _read_pack(folder: Path) -> _RawPack:
    meta_path = folder / "pack.yaml"
    if not folder.is_dir():
        raise PackError("the pack folder does not exist.", file=str(folder))
    if not meta_path.is_file():
        raise PackError("a pack folder needs a pack.yaml naming the pack.", file=str(folder))
    meta = _validate(PackMeta, _load_pack_yaml(meta_path), str(meta_path))
    if meta.kind == "area" and not meta.extends:
        raise PackError(
            "an area pack must say which pack it extends (extends: england).", file=str(meta_path)
        )
    entries: dict[str, dict[str, _Entry]] = {kind: {} for kind in KINDS}
    unknown = sorted(
        p.name
        for p in folder.iterdir()
        if p.is_dir() and p.name not in KINDS and not p.name.startswith((".", "_"))
    )
    if unknown:
        raise PackError(
            f"unknown folder(s) {unknown}; a pack has only {list(KINDS)}.", file=str(folder)
        )
    for kind in KINDS:
        sub = folder / kind
        if not sub.is_dir():
            continue
        for path in sorted(sub.rglob("*")):
            if path.is_dir() or path.name.startswith("."):
                continue
            if path.suffix not in (".yaml", ".yml"):
                raise PackError(
                    "packs hold YAML data only; remove or rename this file.", file=str(path)
                )
            raw = _load_pack_yaml(path)
            items = raw if isinstance(raw, list) else [raw]
            for index, item in enumerate(items):
                if not isinstance(item, dict) or "id" not in item:
                    raise PackError(
                        "each entry must be a mapping with an 'id'.",
                        file=str(path),
                        line=line_of(raw, index) if isinstance(raw, list) else line_of(raw),
                    )
                key = str(item["id"])
                if key in entries[kind]:
                    raise PackError(
                        f"the id {key!r} is used twice in {kind}/ (also in {entries[kind][key].file}).",
                        file=str(path),
                        line=line_of(item, "id"),
                    )
                entries[kind][key] = _Entry(item, str(path))
    return _RawPack(meta, folder, entries)


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    merged = LineDict(copy.deepcopy(dict(base)))
    merged.line = getattr(over, "line", 0)
    merged.file = file_of(over) or file_of(base)
    merged.key_lines = dict(getattr(base, "key_lines", {}))
    merged.key_lines.update(getattr(over, "key_lines", {}))
    # Remember which file each key came from, so errors name the right file.
    merged.key_files = {k: f for k in base if (f := file_of(base, k))}
    merged.key_files.update({k: f for k in over if (f := file_of(over, k))})
    for key, value in over.items():
        if key == "steps" and isinstance(value, list) and isinstance(merged.get(key), list):
            steps = {s.get("id"): s for s in merged[key] if isinstance(s, dict)}
            order = [s.get("id") for s in merged[key] if isinstance(s, dict)]
            for step in value:
                sid = step.get("id") if isinstance(step, dict) else None
                if sid in steps:
                    steps[sid] = _merge(steps[sid], step)
                else:
                    steps[sid] = step
                    order.append(sid)
            merged[key] = [steps[s] for s in order]
        elif key in CONDITION_KEYS:
            # A condition is replaced whole: merging {fact, is} with {fact, in} makes nonsense.
            merged[key] = value
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _overlay(packs: Iterable[_RawPack]) -> dict[str, dict[str, _Entry]]:
    result: dict[str, dict[str, _Entry]] = {kind: {} for kind in KINDS}
    for pack in packs:
        for kind in KINDS:
            for key, entry in pack.entries[kind].items():
                if key in result[kind]:
                    result[kind][key] = _Entry(
                        _merge(result[kind][key].data, entry.data), entry.file
                    )
                else:
                    result[kind][key] = entry
    return result


def _compile(chain: list[_RawPack]) -> RuleSet:
    merged = _overlay(chain)
    facts = {k: _validate(Fact, e.data, e.file) for k, e in merged["facts"].items()}
    facts = dict(sorted(facts.items(), key=lambda kv: kv[1].priority))
    citations = {k: _validate(Citation, e.data, e.file) for k, e in merged["citations"].items()}
    bodies = {k: _validate(Body, e.data, e.file) for k, e in merged["bodies"].items()}
    named = {k: e.data.get("when") for k, e in merged["conditions"].items()}
    parsed_named: dict[str, Condition] = {}
    for key, entry in merged["conditions"].items():
        if set(entry.data) - {"id", "when", "description"}:
            raise PackError(
                "a named condition has only id, description and when.", **_at(entry), field=key
            )
        if "when" not in entry.data:
            raise PackError("a named condition needs 'when'.", **_at(entry), field=key)

    def cond(raw: Any, entry: _Entry, path: tuple[Any, ...], where: str) -> Condition:
        try:
            return parse_condition(raw, facts=facts, named=named, where=where, cache=parsed_named)
        except PackError as exc:
            at = _at(entry, *path)
            raise PackError(
                exc.message, file=at["file"], line=exc.line or at["line"], field=exc.field
            ) from None

    def check_cites(cites: Iterable[str], entry: _Entry, path: tuple[Any, ...], where: str) -> None:
        for cid in cites:
            if cid not in citations:
                raise PackError(
                    f"cites {cid!r}, which is not in citations/. Add it or fix the id.",
                    **_at(entry, *path),
                    field=where,
                )

    # Named conditions are checked here, so that a mistake in one is reported in its own file.
    for key, entry in merged["conditions"].items():
        cond(entry.data["when"], entry, ("when",), f"condition {key}")

    for fact in facts.values():
        if fact.type in ("choice", "multichoice") and not fact.values:
            raise PackError(
                "a choice fact needs its allowed values.",
                **_at(merged["facts"][fact.id], "values"),
                field=fact.id,
            )
        check_cites(fact.cite, merged["facts"][fact.id], ("cite",), fact.id)
    for cit in citations.values():
        entry = merged["citations"][cit.id]
        if cit.kind == "source_document" and not cit.quote:
            raise PackError(
                "a source_document citation needs the verbatim 'quote'.",
                **_at(entry),
                field=cit.id,
            )
        if cit.kind == "domain_rule" and not (cit.title and cit.source):
            raise PackError(
                "a domain_rule citation needs a 'title' and its public 'source'.",
                **_at(entry),
                field=cit.id,
            )
    for body in bodies.values():
        check_cites(body.cite, merged["bodies"][body.id], ("cite",), body.id)

    deadlines: dict[str, CompiledDeadline] = {}
    for key, entry in merged["deadlines"].items():
        spec = _validate(DeadlineSpec, entry.data, entry.file)
        check_cites(spec.cite, entry, ("cite",), key)
        # (start fact, method, where each is written in the entry)
        periods: list[tuple[str, str, tuple[Any, ...], tuple[Any, ...]]] = [
            (p.start, p.method, ("later_of", i, "start"), ("later_of", i, "method"))
            for i, p in enumerate(spec.later_of)
        ]
        if spec.start is not None:
            if spec.amount is None or spec.method is None:
                raise PackError(
                    "a deadline with a start needs 'amount' and 'method'.",
                    **_at(entry, "start"),
                    field=key,
                )
            periods.append((spec.start, spec.method, ("start",), ("method",)))
        elif not spec.later_of:
            raise PackError(
                "a deadline needs a 'start' fact (with amount and method) or 'later_of'.",
                **_at(entry),
                field=key,
            )
        periods += [
            (spec.start or "", v.method, ("start",), ("versions", i, "method"))
            for i, v in enumerate(spec.versions)
        ]
        for start, method, start_at, method_at in periods:
            if start and (start not in facts or facts[start].type != "date"):
                raise PackError(
                    f"the start {start!r} must be a date fact.", **_at(entry, *start_at), field=key
                )
            if method not in METHODS:
                raise PackError(
                    f"unknown counting method {method!r}; use one of {sorted(METHODS)}.",
                    **_at(entry, *method_at),
                    field=key,
                )
        adjustments: list[tuple[str, tuple[Any, ...]]] = [(spec.adjustment, ("adjustment",))]
        adjustments += [
            (v.adjustment, ("versions", i, "adjustment")) for i, v in enumerate(spec.versions)
        ]
        for adj, adj_at in adjustments:
            if adj not in ADJUSTMENTS:
                raise PackError(
                    f"unknown adjustment {adj!r}; use one of {list(ADJUSTMENTS)}.",
                    **_at(entry, *adj_at),
                    field=key,
                )
        for i, version in enumerate(spec.versions):
            check_cites(version.cite, entry, ("versions", i, "cite"), key)
        deadlines[key] = CompiledDeadline(
            spec,
            cond(spec.applies, entry, ("applies",), f"{key}.applies"),
            tuple(
                cond(
                    p.ask_when, entry, ("later_of", i, "ask_when"), f"{key}.later_of[{i}].ask_when"
                )
                for i, p in enumerate(spec.later_of)
            ),
        )

    def check_record(record: StepRecord, entry: _Entry, at: tuple[Any, ...], where: str) -> None:
        """A step's record block: real facts, valid values, date facts, a deadline from made_date."""
        at = (*at, "record")
        where = f"{where}.record"
        if not (record.made or record.made_date or record.answered or record.answered_date):
            raise PackError(
                "a record block must set at least one fact: give 'made' or 'made_date', and "
                "'answered' or 'answered_date' if the family can record an answer.",
                **_at(entry, *at),
                field=where,
            )
        for kind in ("made", "answered"):
            assignments: dict[str, Any] = getattr(record, kind)
            date_fact: str | None = getattr(record, f"{kind}_date")
            for name, value in assignments.items():
                path = (*at, kind, name)
                if name not in facts:
                    raise PackError(
                        f"sets fact {name!r}, which is not in facts/. Fix the name or add the fact.",
                        **_at(entry, *path),
                        field=f"{where}.{kind}.{name}",
                    )
                problem = _value_problem(facts[name], value)
                if problem:
                    raise PackError(
                        f"sets fact {name!r} ({facts[name].type}) to {value!r}, but the value "
                        f"{problem}.",
                        **_at(entry, *path),
                        field=f"{where}.{kind}.{name}",
                    )
            if date_fact is not None:
                path = (*at, f"{kind}_date")
                if date_fact not in facts or facts[date_fact].type != "date":
                    raise PackError(
                        f"{kind}_date names {date_fact!r}, which must be a date fact in facts/.",
                        **_at(entry, *path),
                        field=f"{where}.{kind}_date",
                    )
                if date_fact in assignments:
                    raise PackError(
                        f"{date_fact!r} is set both in {kind!r} and as {kind}_date; set it once, "
                        f"as {kind}_date.",
                        **_at(entry, *path),
                        field=f"{where}.{kind}_date",
                    )
        if record.response_due is not None:
            path = (*at, "response_due")
            field_name = f"{where}.response_due"
            due = deadlines.get(record.response_due)
            if due is None:
                raise PackError(
                    f"response_due names deadline {record.response_due!r}, which is not in "
                    "deadlines/.",
                    **_at(entry, *path),
                    field=field_name,
                )
            if record.made_date is None:
                raise PackError(
                    "response_due needs made_date: the deadline must count from the day the "
                    "family recorded doing this step.",
                    **_at(entry, *path),
                    field=field_name,
                )
            starts = [p.start for p in due.spec.later_of]
            if due.spec.start is not None:
                starts.append(due.spec.start)
            if record.made_date not in starts:
                raise PackError(
                    f"response_due names deadline {record.response_due!r}, which counts from "
                    f"{' or '.join(repr(s) for s in starts)}, not from made_date "
                    f"{record.made_date!r}. Pick a deadline that starts from {record.made_date!r}.",
                    **_at(entry, *path),
                    field=field_name,
                )

    routes: list[CompiledRoute] = []
    seen_steps: dict[str, str] = {}
    for key, entry in merged["routes"].items():
        route = _validate(Route, entry.data, entry.file)
        check_cites(route.cite, entry, ("cite",), key)
        steps = []
        for n, step in enumerate(route.steps):
            where = f"{key}.steps.{step.id}"
            at = ("steps", n)
            if step.id in seen_steps:
                raise PackError(
                    f"step id {step.id!r} is also used in route {seen_steps[step.id]!r}.",
                    **_at(entry, *at, "id"),
                    field=where,
                )
            seen_steps[step.id] = key
            if step.body not in bodies:
                raise PackError(
                    f"names body {step.body!r}, which is not in bodies/.",
                    **_at(entry, *at, "body"),
                    field=where,
                )
            check_cites(step.cite, entry, (*at, "cite"), where)
            for kind in ("requires", "exclusions"):
                for i, reason in enumerate(getattr(step, kind)):
                    check_cites(reason.cite, entry, (*at, kind, i, "cite"), where)
            for dl in (*step.deadlines, *([step.time_limit] if step.time_limit else [])):
                if dl not in deadlines:
                    field_name = "time_limit" if dl == step.time_limit else "deadlines"
                    raise PackError(
                        f"names deadline {dl!r}, which is not in deadlines/.",
                        **_at(entry, *at, field_name),
                        field=where,
                    )
            if step.record is not None:
                check_record(step.record, entry, at, where)
            compiled = CompiledStep(
                spec=step,
                route=key,
                relevant=cond(step.relevant, entry, (*at, "relevant"), f"{where}.relevant"),
                done=None
                if step.done is None
                else cond(step.done, entry, (*at, "done"), f"{where}.done"),
                requires=tuple(
                    cond(r.when, entry, (*at, "requires", i, "when"), f"{where}.requires")
                    for i, r in enumerate(step.requires)
                ),
                exclusions=tuple(
                    cond(r.when, entry, (*at, "exclusions", i, "when"), f"{where}.exclusions")
                    for i, r in enumerate(step.exclusions)
                ),
                recommend=None
                if step.recommend is None
                else cond(step.recommend, entry, (*at, "recommend"), f"{where}.recommend"),
            )
            for c in (
                compiled.relevant,
                *([compiled.done] if compiled.done else []),
                *compiled.requires,
                *compiled.exclusions,
                *([compiled.recommend] if compiled.recommend else []),
            ):
                for dl in deadlines_used(c):
                    if dl not in deadlines:
                        raise PackError(
                            f"a condition names deadline {dl!r}, which is not in deadlines/.",
                            **_at(entry, *at),
                            field=where,
                        )
            steps.append(compiled)
        routes.append(
            CompiledRoute(
                route, cond(route.applies, entry, ("applies",), f"{key}.applies"), tuple(steps)
            )
        )
    routes.sort(key=lambda r: (r.spec.order, r.spec.id))

    warnings: list[CompiledWarning] = []
    for key, entry in merged["warnings"].items():
        warning = _validate(WarningSpec, entry.data, entry.file)
        check_cites(warning.cite, entry, ("cite",), key)
        when = cond(warning.when, entry, ("when",), f"{key}.when")
        for dl in deadlines_used(when):
            if dl not in deadlines:
                raise PackError(
                    f"a condition names deadline {dl!r}, which is not in deadlines/.",
                    **_at(entry, "when"),
                    field=key,
                )
        warnings.append(CompiledWarning(warning, when))

    return RuleSet(
        area=chain[-1].meta,
        packs=tuple(p.meta for p in chain),
        facts=facts,
        citations=citations,
        bodies=bodies,
        routes=tuple(routes),
        deadlines=deadlines,
        warnings=tuple(warnings),
    )


def _chain(folder: Path, search: Iterable[Path]) -> list[_RawPack]:
    chain = [_read_pack(folder)]
    seen = {chain[0].meta.id}
    while chain[0].meta.extends:
        parent = chain[0].meta.extends
        if parent in seen:
            raise PackError(f"packs extend each other in a circle ({parent}).", file=str(folder))
        candidates = [d / parent for d in search if (d / parent / "pack.yaml").is_file()]
        if not candidates:
            raise PackError(
                f"extends {parent!r}, but no pack of that name was found.",
                file=str(folder / "pack.yaml"),
            )
        chain.insert(0, _read_pack(candidates[0]))
        seen.add(parent)
    return chain


def load_ruleset_from(folder: Path, search: Iterable[Path] = (BUILTIN_PACKS,)) -> RuleSet:
    """Load the pack in ``folder`` with the packs it extends (looked up in ``search``)."""
    search = [folder.parent, *search]
    return _compile(_chain(folder, search))


def available_areas(root: Path = BUILTIN_PACKS) -> dict[str, PackMeta]:
    """The area packs shipped with sendroute, by id."""
    areas = {}
    for meta_path in sorted(root.glob("*/pack.yaml")):
        meta = _validate(PackMeta, _load_pack_yaml(meta_path), str(meta_path))
        if meta.kind == "area":
            areas[meta.id] = meta
    return areas


@cache
def load_ruleset(area: str = "norfolk") -> RuleSet:
    """The rules for an area shipped with sendroute (cached: packs are read once per process)."""
    areas = available_areas()
    if area not in areas:
        raise InputError(
            f"there is no area {area!r}. Areas available: {', '.join(sorted(areas)) or 'none'}.",
            field="area",
        )
    return load_ruleset_from(BUILTIN_PACKS / area)
