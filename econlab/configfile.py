"""Reading and validating the YAML files of scenarios, tournaments, training, calibration and design configs.

Every config model forbids unknown keys at every level. :func:`validate` turns pydantic's ``ValidationError``
into one line per problem that names the file, the key path, what is wrong and what is allowed (with a close
match for a misspelt key), so no library wording or URL reaches the user. :func:`config_error` carries the same
message for checks done by hand (the nested game ``params``, see :func:`check_keys`).
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticCustomError

ModelT = TypeVar("ModelT", bound=BaseModel)

#: distinctive top-level keys of each config kind, and the command that reads it (file-kind hints)
CONFIG_KINDS: tuple[tuple[str, frozenset[str], str], ...] = (
    ("a scenario", frozenset({"seats", "default", "treatment", "params"}), "econlab play --scenario FILE"),
    ("a tournament config", frozenset({"treatments", "scenarios"}), "econlab tournament FILE"),
    ("a training config", frozenset({"learn"}), "econlab train FILE"),
    ("an exploitability study", frozenset({"exploiters"}), "econlab exploit-study FILE"),
    ("a design search config", frozenset({"space", "objective", "populations"}), "econlab design FILE --out RUN"),
    ("a prompt-search config", frozenset({"prompts"}), "econlab calibrate prompts FILE"),
    ("a prompt-search config", frozenset({"variants", "human"}), "econlab calibrate prompts FILE"),
    ("a finetune config", frozenset({"finetune"}), "econlab calibrate finetune FILE"),
    ("a finetune config", frozenset({"sft", "target_modules"}), "econlab calibrate finetune FILE"),
    ("a lab record", frozenset({"parameters", "log"}), "econlab dataset human FILE or econlab compare --human FILE"),
)


def _kind_keys(name: str) -> set[str]:
    """The top-level settings of a config kind of :data:`CONFIG_KINDS` (empty for non-config kinds)."""
    import importlib

    where = {"a scenario": "econlab.eval.scenario:Scenario",
             "a tournament config": "econlab.eval.tournament_config:TournamentConfig",
             "a training config": "econlab.training.config:TrainConfig",
             "an exploitability study": "econlab.training.study:StudyConfig",
             "a design search config": "econlab.design.config:DesignConfig",
             "a prompt-search config": "econlab.calibration.search:SearchConfig",
             "a finetune config": "econlab.calibration.finetune:FinetuneConfig"}.get(name)
    if where is None:
        return set()
    module, _, cls = where.partition(":")
    return set(_allowed_keys(getattr(importlib.import_module(module), cls), ()))


def read_mapping(path: str | Path, what: str) -> dict[str, Any]:
    """The top-level mapping of a YAML file (an empty file is an empty mapping).

    Args:
        path: The file.
        what: What the file holds, for messages ("a scenario", "a tournament", ...).

    Raises:
        ValueError: The file is missing, is not valid YAML, or does not hold a mapping.
    """
    import yaml

    path = Path(path)
    if path.is_dir():
        raise ValueError(f"{path} is a folder — {what} file (YAML) was expected")
    if not path.is_file():
        raise ValueError(f"{path} does not exist — give the path of {what} file (YAML)")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path} is not a text file — {what} file (YAML) was expected") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise ValueError(f"{path}: not valid YAML{where} ({problem}) — fix the file") from exc
    if not isinstance(data, dict):
        raise ValueError(f"{path}: {what} is a mapping of settings (key: value), got a {_kind(data)} — fix the file")
    return data


def beside(config: Path, ref: str | Path, what: str) -> Path:
    """A file named inside a config: absolute, or relative to the config's folder.

    Raises:
        ValueError: The file does not exist (the message names the config and ``what`` was expected).
    """
    path = Path(ref)
    path = path if path.is_absolute() else config.parent / path
    if not path.exists():
        raise ValueError(f"{config}: no such {what} {path} — paths are relative to the config's folder")
    return path


def unwrap(data: dict[str, Any], section: str, source: str | Path) -> Any:
    """The ``section:`` of a file that may wrap its settings in one (``prompts:``, ``finetune:``), or the file.

    Raises:
        ValueError: Other keys beside the section (they would be ignored).
    """
    if section not in data:
        return data
    others = sorted(set(data) - {section})
    if others:
        raise ValueError(f"{source}: {others[0]}: unknown key {others[0]!r} beside {section}: — put every "
                         f"setting under {section}: (or drop the {section}: section)")
    return data[section]


def validate(model: type[ModelT], data: Any, source: str | Path | None = None, what: str = "") -> ModelT:
    """``model.model_validate(data)`` with the problems as readable lines (see the module docstring).

    Args:
        model: The config model.
        data: The parsed YAML (or any input).
        source: The file, named in the message.
        what: What the file holds ("a scenario"), used to say when it looks like another kind of config.

    Raises:
        ValueError: Every problem, one per line, prefixed with ``source``.
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        message = validation_message(exc, model, source)
        hint = kind_hint(data, what, source, model) if isinstance(data, Mapping) else ""
        raise ValueError((f"{hint}\n" if hint else "") + message) from None


def kind_hint(data: Mapping[str, Any], what: str, source: str | Path | None = None,
              model: type[BaseModel] | None = None) -> str:
    """``"FILE: this looks like a tournament config, not a scenario — use ..."`` for another kind of config.

    A file is taken for another kind when it holds that kind's distinctive keys, or when every one of its keys
    is a setting of that kind while some are not settings of ``model``.
    """
    keys = {str(k) for k in data}
    mine = set(_allowed_keys(model, ())) if model is not None else set()
    for name, marks, command in CONFIG_KINDS:
        if name == what:
            continue
        fits = bool(keys) and bool(mine) and not keys <= mine and keys <= _kind_keys(name)
        if marks <= keys or fits:
            where = f"{source}: " if source else ""
            return (f"{where}this looks like {name}, not {what or 'this kind of file'} — use "
                    f"`{command.replace('FILE', str(source or 'FILE'))}`")
    return ""


def validation_message(exc: ValidationError, model: type[BaseModel] | None = None,
                       source: str | Path | None = None, names: Mapping[str, str] | None = None) -> str:
    """The problems of a ``ValidationError``, one line each: ``SOURCE: KEY.PATH: what — allowed``.

    Args:
        exc: The error.
        model: The model that was validated (lists the allowed keys of an unknown key's mapping).
        source: A file name to start each line with.
        names: Display names of top-level fields (``{"rounds": "--rounds"}`` for command-line options).
    """
    errors = _relevant(exc.errors())
    lines = []
    for err in errors:
        path = _path(err["loc"], names)
        text = describe(err, model)
        if err["type"] == "config_error":
            path = ".".join(p for p in (path, err["ctx"]["path"]) if p)
        prefix = ": ".join(str(p) for p in (source, path) if p)
        lines.append(f"{prefix}: {text}" if prefix else text)
    return "\n".join(dict.fromkeys(lines))


def describe(err: Mapping[str, Any], model: type[BaseModel] | None = None) -> str:
    """One pydantic error (``ValidationError.errors()`` item) as ``what — allowed``, without library wording."""
    typ, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    shown = _show(value)
    if typ == "config_error":
        return str(err["msg"])
    if typ == "extra_forbidden":
        key = str(err["loc"][-1]) if err["loc"] else "?"
        allowed = _allowed_keys(model, err["loc"][:-1]) if model is not None else []
        return unknown_key_text(key, allowed)
    if typ == "missing":
        return "required key missing — add it"
    if typ in ("literal_error", "enum"):
        expected = [x.strip().strip("'\"") for x in str(ctx.get("expected", "")).replace(" or ", ", ").split(",")]
        return choice_text(value, [x for x in expected if x])
    if typ in ("int_parsing", "int_type", "int_from_float"):
        return f"{shown} is not a whole number — give an integer"
    if typ in ("float_parsing", "float_type", "finite_number"):
        return f"{shown} is not a number — give a number"
    if typ in ("bool_parsing", "bool_type"):
        return f"{shown} is not true/false — give true or false"
    if typ in ("string_type", "str_type"):
        return f"{shown} is not text — give a string"
    if typ in ("dict_type", "model_type", "model_attributes_type", "mapping_type"):
        return f"{shown} is not a mapping — give key: value settings"
    if typ in ("list_type", "tuple_type", "set_type", "iterable_type"):
        return f"{shown} is not a list — give a list, e.g. [a, b]"
    bounds = {"greater_than_equal": (">=", "ge"), "greater_than": (">", "gt"),
              "less_than_equal": ("<=", "le"), "less_than": ("<", "lt")}
    if typ in bounds:
        op, key = bounds[typ]
        return f"{shown} is out of range — allowed: {_range(model, err['loc']) or f'{op} {ctx.get(key)}'}"
    if typ in ("too_short", "too_long"):
        n = ctx.get("min_length") if typ == "too_short" else ctx.get("max_length")
        word = "at least" if typ == "too_short" else "at most"
        return f"has {ctx.get('actual_length', '?')} entries — give {word} {n}"
    if typ == "string_pattern_mismatch":
        return f"{shown} is not allowed here — it must match {ctx.get('pattern')}"
    if typ == "value_error":
        return str(ctx.get("error", err["msg"]))
    if typ in ("path_type",):
        return f"{shown} is not a path — give a file or folder name"
    return f"{shown}: {err['msg']}"


def unknown_key_text(key: str, allowed: Iterable[str]) -> str:
    """``unknown key 'tax_rat' — allowed keys: ... (did you mean 'tax_rate'?)``."""
    allowed = sorted(allowed)
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    listed = ", ".join(allowed) if allowed else "none"
    return f"unknown key {key!r} — allowed keys: {listed}{hint}"


def choice_text(value: Any, allowed: Sequence[str]) -> str:
    """``'bogus' is not allowed — allowed values: a, b, c (did you mean ...?)``."""
    close = difflib.get_close_matches(str(value), list(allowed), n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"{_show(value)} is not allowed — allowed values: {', '.join(allowed)}{hint}"


def config_error(path: str, text: str) -> PydanticCustomError:
    """A validation error found by hand at ``path`` (relative to where the validator runs), shown as is."""
    return PydanticCustomError("config_error", "{text}", {"path": path, "text": text})


def nested_error(exc: ValidationError, model: type[BaseModel], at: str) -> PydanticCustomError:
    """The first problem of a nested model's validation (e.g. an ``llm:`` section) as a :func:`config_error`."""
    err = _relevant(exc.errors())[0]
    inner = _path(err["loc"])
    if err["type"] == "config_error":
        inner = ".".join(p for p in (inner, err["ctx"]["path"]) if p)
    return config_error(".".join(p for p in (at, inner) if p), describe(err, model))


def check_keys(data: Mapping[str, Any], template: Mapping[str, Any], path: str) -> None:
    """Check a nested mapping against a template of the same shape: every key known, every mapping a mapping.

    Raises:
        PydanticCustomError: A :func:`config_error` for a key the template lacks (with the allowed keys and a
            close match), or for a mapping given where a value belongs or the other way round.
    """
    for key, value in data.items():
        here = f"{path}.{key}" if path else str(key)
        if key not in template:
            raise config_error(here, unknown_key_text(str(key), (str(k) for k in template)))
        expected = template[key]
        if isinstance(expected, Mapping):
            if not isinstance(value, Mapping):
                raise config_error(here, f"{_show(value)} is not a mapping — give the keys "
                                         f"{', '.join(map(str, expected))}")
            check_keys(value, expected, here)
        elif isinstance(value, Mapping):
            raise config_error(here, f"a mapping is not allowed here — give a single value (default "
                                     f"{_show(expected)})")
        else:
            problem = _leaf_problem(value, expected)
            if problem:
                raise config_error(here, problem)


def _leaf_problem(value: Any, default: Any) -> str:
    """Why ``value`` cannot replace a template leaf whose default is ``default`` ("" when it can).

    Whole-number settings are read by the lab server with ``parseInt``, which would silently cut ``70.5`` to 70.
    """
    if isinstance(default, bool):
        return "" if isinstance(value, bool) else f"{_show(value)} is not true/false — give true or false"
    if isinstance(default, str):
        return "" if isinstance(value, str) else f"{_show(value)} is not text — give a string"
    if isinstance(default, float):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return "" if ok else f"{_show(value)} is not a number — give a number"
    if isinstance(default, int) or default is None:
        if value is None and default is None:
            return ""
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"{_show(value)} is not a number — give a whole number"
        if isinstance(value, float) and not value.is_integer():
            return (f"{value} is not a whole number — the lab reads this setting as an integer (it would play "
                    f"{int(value)}); give a whole number")
    return ""


def _relevant(errors: list[Any]) -> list[Any]:
    """Drop a union's "wrong type" alternatives when another alternative explains the problem better."""
    out = []
    for err in errors:
        loc = err["loc"]
        if err["type"] == "too_short" and any(len(o["loc"]) > len(loc) and tuple(o["loc"][: len(loc)]) == tuple(loc)
                                              for o in errors):
            continue  # a list that is short only because one of its entries failed: the entry says why
        if err["type"].endswith("_type") and len(loc) >= 1 and _is_tag(loc[-1]):
            parent = loc[:-1]
            if any(o is not err and tuple(o["loc"][: len(parent)]) == tuple(parent) and len(o["loc"]) > len(parent)
                   and not o["type"].endswith("_type") for o in errors):
                continue
        out.append(err)
    return out


def _is_tag(part: Any) -> bool:
    """Whether a location part names a union member (``SeedRange``, ``list[int]``) rather than a key."""
    return isinstance(part, str) and ("[" in part or part[:1].isupper() or part.startswith("function-"))


def _path(loc: Sequence[Any], names: Mapping[str, str] | None = None) -> str:
    """``scenarios[0].params.tax_rate``; a path (or its first key) found in ``names`` is shown by that name."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not _is_tag(part):
            out += f".{part}" if out else str(part)
    if names:
        if out in names:
            return names[out]
        head, dot, rest = out.partition(".")
        if head in names:
            return names[head] + (f".{rest}" if dot else "")
    return out


def _allowed_keys(model: type[BaseModel] | None, loc: Sequence[Any]) -> list[str]:
    """The keys the model (or nested model) at ``loc`` accepts (aliases where a field has one)."""
    node: Any = model
    for part in loc:
        node = _step(node, part)
        if node is None:
            return []
    node = _pick_model(node, None)
    if node is None:
        return []
    return [f.alias or name for name, f in node.model_fields.items()]


def _step(node: Any, part: Any) -> Any:
    model = _pick_model(node, part if isinstance(part, str) else None)
    if model is not None and isinstance(part, str) and _is_tag(part):
        return model
    if model is not None and isinstance(part, str):
        for name, f in model.model_fields.items():
            if part in (name, f.alias):
                return f.annotation
        return None
    for arg in _members(node):
        origin = typing.get_origin(arg)
        if origin in (list, tuple, set, Sequence) and isinstance(part, int):
            args = typing.get_args(arg)
            return args[0] if args else None
        if origin in (dict, Mapping):
            args = typing.get_args(arg)
            return args[1] if len(args) == 2 else None
    return None


def _members(node: Any) -> list[Any]:
    if typing.get_origin(node) in (typing.Union, types.UnionType):
        return list(typing.get_args(node))
    return [node]


def _pick_model(node: Any, tag: str | None) -> type[BaseModel] | None:
    models = [m for m in _members(node) if isinstance(m, type) and issubclass(m, BaseModel)]
    if tag is not None:
        for m in models:
            if m.__name__ == tag:
                return m
    return models[0] if models else None


def _range(model: type[BaseModel] | None, loc: Sequence[Any]) -> str:
    """``1 to 5`` / ``>= 0`` from the bounds of the field at ``loc`` (empty when unknown)."""
    if model is None or not loc or not isinstance(loc[-1], str):
        return ""
    node: Any = model
    for part in loc[:-1]:
        node = _step(node, part)
    parent = _pick_model(node, None) if node is not None else None
    field = parent.model_fields.get(str(loc[-1])) if parent is not None else None
    if field is None:
        return ""
    low = high = None
    for m in field.metadata:
        for attr, side in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
            value = getattr(m, attr, None)
            if value is not None:
                if side.startswith(">"):
                    low = (side, value)
                else:
                    high = (side, value)
    if low and high and low[0] == ">=" and high[0] == "<=":
        return f"{low[1]} to {high[1]}"
    return " and ".join(f"{pair[0]} {pair[1]}" for pair in (low, high) if pair)


def _show(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _kind(value: Any) -> str:
    return {list: "list", str: "string", int: "number", float: "number", bool: "true/false"}.get(type(value),
                                                                                               type(value).__name__)
