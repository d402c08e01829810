"""Hand-written YAML lists (the item catalog, the measures registry): parsed with the line
of each entry, and each entry validated into its model, so that every error names the file,
the line and the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from supplywatch.errors import DataError

#: libyaml's parser where PyYAML was built with it (ten times faster), else the pure one.
LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

M = TypeVar("M", bound=BaseModel)


def read_list(path: Path, what: str, *, empty_ok: bool = False) -> list[tuple[Any, int | None]]:
    """The entries of a YAML list file, each with its line (None where not known); an empty
    file is ``[]`` when ``empty_ok``, else an error like any non-list."""
    text = path.read_text(encoding="utf-8")
    try:
        raw = yaml.load(text, Loader=LOADER)  # noqa: S506 - a safe loader (C or Python)
        node = yaml.compose(text, Loader=LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise DataError(
            str(path), f"invalid YAML: {exc}", row=None if mark is None else mark.line + 1
        ) from exc
    if raw is None and empty_ok:
        return []
    if not isinstance(raw, list):
        raise DataError(str(path), f"expected a list of {what}")
    lines = (
        [item.start_mark.line + 1 for item in node.value]
        if isinstance(node, yaml.SequenceNode)
        else []
    )
    return [(item, lines[i] if i < len(lines) else None) for i, item in enumerate(raw)]


def validate(model: type[M], item: Any, path: Path, line: int | None) -> M:
    """``item`` as ``model``; the first problem as a DataError naming file, line and field."""
    try:
        return model.model_validate(item)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise DataError(
            str(path),
            err["msg"],
            row=line,
            column=".".join(str(p) for p in err["loc"]),
            value=None if err.get("input") is None else str(err["input"])[:80],
        ) from exc


def read_document(path: Path, model: type[M]) -> M:
    """A whole YAML document (a mapping, not a list) as ``model``; a syntax error names the
    file and line, a validation error the field path (``agencies.0.side``)."""
    text = path.read_text(encoding="utf-8")
    try:
        raw = yaml.load(text, Loader=LOADER)  # noqa: S506 - a safe loader (C or Python)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise DataError(
            str(path), f"invalid YAML: {exc}", row=None if mark is None else mark.line + 1
        ) from exc
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        raise DataError(str(path), f"{loc}: {err['msg']}", column=loc) from exc
