"""Turning pydantic validation errors into one message that names the key."""

from __future__ import annotations

import difflib

from pydantic import BaseModel, ValidationError


def _key(loc: tuple) -> str:
    return ".".join(
        str(p)
        for p in loc
        if not str(p).startswith(("function-", "union[", "literal[", "<"))
        and str(p) not in ("float", "str", "int", "list[str]", "UncertainCeiling")
    )


def _fields(schema: type[BaseModel], loc: tuple) -> list[str]:
    """Known field names of the model at ``loc`` (the parent of an offending key)."""
    model = schema
    for part in loc:
        f = getattr(model, "model_fields", {}).get(str(part))
        if f is None:
            break
        ann = f.annotation
        for cand in (ann, *getattr(ann, "__args__", ())):
            if isinstance(cand, type) and issubclass(cand, BaseModel):
                model = cand
                break
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
