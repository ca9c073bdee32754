"""Prompts: jinja2 templates per treatment x role x decision, rendered from the seat's view only.

Templates live in package data at ``templates/<treatment>/<role>/<decision>.{system,user}.j2``
(shared pieces in ``templates/common/``). A user folder (``LLMConfig.templates_dir``) with the same
relative paths overrides any of them. A missing template is an error; there is no generic fallback.
Personas are YAML files (``name``, ``summary``, ``instructions``) in ``personas/`` or a user folder.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from econlab.games.ibex.params import ROLE_NAMES
from econlab.games.ibex.view import SeatView
from econlab.policies import viewtools as vt
from econlab.policies.llm.schemas import CONDITION_NAMES, answer_schema

PACKAGE_DIR = Path(__file__).parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
PERSONAS_DIR = PACKAGE_DIR / "personas"


@dataclass(frozen=True)
class Persona:
    """A behavioural type that any role can play."""

    name: str
    summary: str
    instructions: str


def load_personas(extra_dir: Path | None = None) -> dict[str, Persona]:
    """The shipped personas plus those in ``extra_dir`` (same name: the user's wins)."""
    import yaml

    out: dict[str, Persona] = {}
    for folder in (PERSONAS_DIR, extra_dir):
        if folder is None:
            continue
        if not Path(folder).is_dir():
            raise ValueError(f"personas folder {folder} does not exist")
        for path in sorted(Path(folder).glob("*.yaml")):
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            missing = {"name", "instructions"} - set(data)
            if missing:
                raise ValueError(f"persona file {path}: missing {sorted(missing)}")
            out[str(data["name"])] = Persona(str(data["name"]), str(data.get("summary", "")),
                                             " ".join(str(data["instructions"]).split()))
    return out


def _pts(x: Any) -> str:
    if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x):
        return str(x)
    return f"{x:.0f}" if float(x).is_integer() else f"{x:.2f}"


@lru_cache(maxsize=8)
def _environment(user_dir: str | None) -> Any:
    import jinja2

    loaders: list[jinja2.BaseLoader] = []
    if user_dir is not None:
        if not Path(user_dir).is_dir():
            raise ValueError(f"templates folder {user_dir} does not exist")
        loaders.append(jinja2.FileSystemLoader(user_dir))
    loaders.append(jinja2.FileSystemLoader(str(TEMPLATES_DIR)))
    env = jinja2.Environment(loader=jinja2.ChoiceLoader(loaders), undefined=jinja2.StrictUndefined,
                             autoescape=False, keep_trailing_newline=False)
    env.filters["pts"] = _pts
    return env


def template_names(view: SeatView, decision: str) -> tuple[str, str]:
    """The (system, user) template paths for the seat's treatment, role and decision."""
    base = f"{view.treatment}/{view.role_name}/{decision}"
    return f"{base}.system.j2", f"{base}.user.j2"


def context(view: SeatView, decision: str, persona: Persona | None) -> dict[str, Any]:
    """The template variables: the view plus values derived from it alone."""
    ctx: dict[str, Any] = {
        "view": view, "decision": decision, "persona": persona, "conditions": {0: "No Project", 1: "Project"},
        "role_names": ROLE_NAMES, "schema_json": json.dumps(answer_schema(decision), sort_keys=True),
        "others": [int(p["number"]) for p in view.players if p["number"] != view.seat],
        "n_owners": sum(1 for p in view.players if ROLE_NAMES[p["role"]] == "owner"),
        "declarations": vt.published(view, view.phase >= 8) if view.treatment != "voting" else [],
        "caps": {}, "rooms": {}, "open_books": [], "my_orders": [],
    }
    if view.treatment != "voting" and view.role_name in ("developer", "owner"):
        ctx["caps"] = {"no_project": vt.cap(view, view.role, 0), "project": vt.cap(view, view.role, 1)}
    if decision == "market":
        books = vt.open_books(view)
        ctx["open_books"] = [CONDITION_NAMES[c] for c in books]
        ctx["rooms"] = {CONDITION_NAMES[c]: vt.bid_room(view, c) for c in books}
        ctx["my_orders"] = [f"#{o['id']} {o['type']} {_pts(o['price'])} ({CONDITION_NAMES[c]})"
                            for c in books for o in vt.my_orders(view, c)]
    return ctx


def render(view: SeatView, decision: str, persona: Persona | None, templates_dir: Path | None = None
           ) -> list[dict[str, str]]:
    """The chat messages (system, user) for the seat's current decision.

    Raises:
        ValueError: A template is missing (its path is named) or does not render.
    """
    import jinja2

    env = _environment(str(templates_dir) if templates_dir is not None else None)
    ctx = context(view, decision, persona)
    out = []
    for role, name in zip(("system", "user"), template_names(view, decision), strict=True):
        try:
            text = env.get_template(name).render(ctx)
        except jinja2.TemplateNotFound as exc:
            where = f"{templates_dir} or " if templates_dir else ""
            raise ValueError(f"no prompt template {exc.name!r} (looked in {where}{TEMPLATES_DIR})") from None
        except jinja2.UndefinedError as exc:
            raise ValueError(f"prompt template {name!r} uses an undefined value: {exc.message}") from None
        out.append({"role": role, "content": _tidy(text)})
    return out


def repair_message(error: str) -> dict[str, str]:
    """The user message that asks the model again after an invalid answer."""
    return {"role": "user", "content": f"Your answer was not accepted: {error}\n"
                                       "Reply again with one corrected JSON object and nothing else."}


def prompt_hash(messages: list[dict[str, str]]) -> str:
    """A short content hash of a message list."""
    blob = json.dumps(messages, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def _tidy(text: str) -> str:
    lines = [ln.rstrip() for ln in text.strip().splitlines()]
    out: list[str] = []
    for ln in lines:
        if ln or (out and out[-1]):
            out.append(ln)
    return "\n".join(out)
