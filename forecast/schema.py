"""Turning pydantic validation errors into one message that names the key."""

from __future__ import annotations

import difflib
from typing import Any, get_args

from pydantic import BaseModel, ValidationError

# Tags of discriminated unions (``Tag(name)``, the member model's class name): pydantic puts
# the tag in an error's location, where it is no key of the file.
TAGS = ("EventClaim", "ParameterClaim")


def _key(loc: tuple) -> str:
    return ".".join(
        str(p)
        for p in loc
        if not str(p).startswith(("function-", "union[", "literal[", "<"))
        and str(p) not in ("float", "str", "int", "list[str]", "UncertainCeiling", *TAGS)
    )


def _models_in(ann: Any) -> list[type[BaseModel]]:
    """The models an annotation holds, at any depth (``X | None``, ``list[A | B]``)."""
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return [ann]
    return [m for a in get_args(ann) for m in _models_in(a)]


def _fields(schema: type[BaseModel], loc: tuple) -> list[str]:
    """Known field names of the model at ``loc`` (the parent of an offending key); a tagged
    union's member is the one whose tag (:data:`TAGS`) the location names."""
    model = schema
    members: dict[str, type[BaseModel]] = {}
    for part in loc:
        if str(part) in members:
            model, members = members[str(part)], {}
            continue
        f = getattr(model, "model_fields", {}).get(str(part))
        if f is None:
            if members:  # a list index between the field and its member's tag
                continue
            break
        found = _models_in(f.annotation)
        if found:
            model = found[0]
        members = {m.__name__: m for m in found} if len(found) > 1 else {}
    return list(getattr(model, "model_fields", {}))


def message(e: ValidationError, schema: type[BaseModel]) -> str:
    """The most useful single error: unknown keys first (with a suggestion), then the rest."""
    errors = e.errors()
    extra = [x for x in errors if x["type"] == "extra_forbidden"]
    err = extra[0] if extra else errors[0]
    key = _key(err["loc"]) or "<top level>"
    if err["type"] == "extra_forbidden":
        name = str(err["loc"][-1])
        near = difflib.get_close_matches(name, _fields(schema, err["loc"][:-1]), n=1)
        hint = f" (did you mean {near[0]!r}?)" if near else ""
        return f"unknown key {key!r}{hint}"
    found = err.get("input")
    found_txt = "" if isinstance(found, (dict, list)) else f" (found {found!r})"
    msg = err["msg"].replace("Value error, ", "")
    return f"key {key!r}: {msg}{found_txt}"
