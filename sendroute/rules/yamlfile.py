"""Reading YAML safely, remembering the line of every mapping key so errors can point at it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import InputError

__all__ = ["LineDict", "file_of", "line_of", "load_yaml_file", "load_yaml_text"]


class LineDict(dict[str, Any]):
    """A dict from YAML that knows the line of each key (1-based) and of itself, and its file.

    ``key_files`` is only filled in when a pack overlay merges two dicts from different files:
    it says which file each key came from.
    """

    line: int = 0
    file: str | None = None
    key_lines: dict[str, int]
    key_files: dict[str, str]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.key_lines = {}
        self.key_files = {}


class LineList(list[Any]):
    """A list from YAML that knows the line of each item."""

    line: int = 0
    file: str | None = None
    item_lines: list[int]

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.item_lines = []


class _Loader(yaml.SafeLoader):
    """SafeLoader that records lines and refuses duplicate keys."""


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            key = str(key)
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"the key {key!r} appears twice", key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


def _construct_timestamp(loader: _Loader, node: yaml.ScalarNode) -> str:
    # Dates stay text here, so that an impossible date such as 2026-02-31 reaches our own
    # checks (which name the fact and the line) instead of failing inside the YAML parser.
    return str(loader.construct_scalar(node))


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def _set_file(node: Any, where: str) -> None:
    if isinstance(node, LineDict):
        node.file = where
        for value in node.values():
            _set_file(value, where)
    elif isinstance(node, LineList):
        node.file = where
        for value in node:
            _set_file(value, where)


def load_yaml_text(text: str, where: str) -> Any:
    """Parse YAML text; a syntax error becomes an :class:`InputError` naming ``where`` and the line."""
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader subclass  # nosec B506
        _set_file(data, where)
        return data
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "it is not valid YAML"
        raise InputError(
            f"{problem}. Check the indentation and punctuation near this line.",
            file=where,
            line=line,
        ) from None
    except yaml.YAMLError as exc:
        raise InputError(f"it is not valid YAML ({exc}).", file=where) from None


def load_yaml_file(path: Path) -> Any:
    """Read and parse a YAML file, with clear errors for a missing or unreadable file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("the file does not exist. Check the path.", file=str(path)) from None
    except IsADirectoryError:
        raise InputError("this is a folder, not a YAML file.", file=str(path)) from None
    except UnicodeDecodeError:
        raise InputError("the file is not UTF-8 text. Save it as UTF-8.", file=str(path)) from None
    except OSError as exc:
        raise InputError(f"the file cannot be read ({exc.strerror}).", file=str(path)) from None
    return load_yaml_text(text, str(path))


def file_of(container: Any, key: str | None = None) -> str | None:
    """The file ``container`` (or one of its keys, after an overlay) was read from, if known."""
    if isinstance(container, LineDict):
        if key is not None and key in container.key_files:
            return container.key_files[key]
        return container.file
    if isinstance(container, LineList):
        return container.file
    return None


def line_of(container: Any, key: str | int | None = None) -> int | None:
    """The line of ``container`` (or of one of its keys or items), when the YAML loader knew it."""
    if isinstance(container, LineDict):
        if isinstance(key, str) and key in container.key_lines:
            return container.key_lines[key]
        return container.line or None
    if isinstance(container, LineList):
        if isinstance(key, int) and 0 <= key < len(container.item_lines):
            return container.item_lines[key]
        return container.line or None
    return None
