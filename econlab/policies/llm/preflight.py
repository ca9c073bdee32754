"""A check of an LLM backend before any game starts: credential present, endpoint reachable, model served.

Without it a missing API key or a wrong base URL shows only as a game full of fallback decisions. The
check for the ``openai`` backend: the API key's environment variable is set (unless a ``base_url`` names
an endpoint that may need none), ``GET {base_url}/models`` answers, and the model is in its list; an
endpoint that does not list models (404, 405, 501 or an answer that is not a model list) gets one tiny
chat request instead (one token). The ``replay`` backend needs its cache folder; the ``local`` backend its
model folder (or the shipped SmolLM2 package) and its LoRA adapter. Each endpoint is asked once per
:class:`Preflight` (one per run); every failure is a :class:`~econlab.errors.UserError` of one line.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import Any

from econlab.errors import UserError
from econlab.policies.llm.config import LLMConfig

DEFAULT_BASE_URL = "https://api.openai.com/v1"
#: statuses meaning "this endpoint does not list models" (then one tiny call decides)
NO_LISTING = frozenset({404, 405, 501})
#: longest wait of one preflight request (a run's own requests keep their ``timeout_s``)
PREFLIGHT_TIMEOUT_S = 10.0


def base_url_of(config: LLMConfig) -> str:
    """The endpoint the ``openai`` backend talks to (the SDK reads ``OPENAI_BASE_URL`` when none is set)."""
    return (config.base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")


class Preflight:
    """Checks LLM settings before a run; remembers what it asked (one model listing per endpoint)."""

    def __init__(self) -> None:
        self._listings: dict[tuple[str, str], list[str] | None] = {}
        self._checked: set[tuple[Any, ...]] = set()

    def check(self, config: LLMConfig) -> None:
        """Raise a :class:`~econlab.errors.UserError` unless the backend of ``config`` can answer.

        Raises:
            UserError: Missing key, unreachable endpoint, refused key, unknown model, missing cache or model folder.
        """
        if config.backend == "replay":
            self._check_replay(config)
        elif config.backend == "local":
            self._check_local(config)
        else:
            self._check_openai(config)

    @staticmethod
    def _check_replay(config: LLMConfig) -> None:
        cache = config.cache_dir
        if cache is None:
            raise UserError("the replay backend needs a cache folder (llm.cache_dir / --cache)")
        if not Path(cache).is_dir():
            raise UserError(f"replay cache folder {cache} does not exist — play once with a live backend and "
                            f"--cache {cache} first")

    @staticmethod
    def _check_local(config: LLMConfig) -> None:
        if config.model is not None:
            if not Path(config.model).is_dir():
                raise UserError(f"local model folder {config.model} does not exist — give a transformers model "
                                "folder with --llm-model, or none for the shipped SmolLM2")
        else:
            from econlab.policies.llm.backends.local_backend import smollm2_gguf

            try:
                smollm2_gguf()
            except ValueError as exc:
                raise UserError(str(exc)) from None
        if config.lora is not None and not Path(config.lora).exists():
            raise UserError(f"LoRA adapter {config.lora} does not exist — train one with `econlab calibrate "
                            "finetune` or drop adapter=")

    def _check_openai(self, config: LLMConfig) -> None:
        try:
            model = config.model_name()
        except ValueError as exc:
            raise UserError(str(exc)) from None
        key = os.environ.get(config.api_key_env) or ""
        if not key and config.base_url is None:  # as the backend: only a named endpoint may do without a key
            raise UserError(f"LLM seats need an API key: ${config.api_key_env} is not set — export it (or give "
                            "--llm-base-url for a local endpoint that needs none)")
        base = base_url_of(config)
        if (base, config.api_key_env, model) in self._checked:
            return
        listing = self._list_models(base, config.api_key_env, key)
        if listing is None:
            self._tiny_call(base, config, key, model)
        elif model not in listing:
            close = difflib.get_close_matches(model, listing, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            shown = ", ".join(listing[:12]) + (f", ... ({len(listing)} in all)" if len(listing) > 12 else "")
            raise UserError(f"model {model!r} is not served by {base}{hint}; it lists: {shown or 'no models'}")
        self._checked.add((base, config.api_key_env, model))

    def _list_models(self, base: str, key_env: str, key: str) -> list[str] | None:
        """The endpoint's model ids (``None``: it does not list them)."""
        if (base, key_env) in self._listings:
            return self._listings[(base, key_env)]
        resp = _request("GET", f"{base}/models", key, base)
        listing: list[str] | None = None
        if resp.status_code not in NO_LISTING:
            _raise_for_refusal(resp, base, key_env, bool(key))
            try:
                data = resp.json().get("data")
                listing = [str(m["id"]) for m in data] if isinstance(data, list) else None
            except (ValueError, AttributeError, KeyError, TypeError):
                listing = None
        self._listings[(base, key_env)] = listing
        return listing

    @staticmethod
    def _tiny_call(base: str, config: LLMConfig, key: str, model: str) -> None:
        body = {"model": model, "messages": [{"role": "system", "content": "This is a connection check."},
                                             {"role": "user", "content": "Reply with OK."}],
                "max_tokens": 1, "temperature": 0}
        resp = _request("POST", f"{base}/chat/completions", key, base, body)
        if resp.status_code == 404 or (resp.status_code == 400 and "model" in resp.text.lower()):
            raise UserError(f"model {model!r} is not served by {base} (HTTP {resp.status_code}: "
                            f"{_error_text(resp)}) — check --llm-model")
        _raise_for_refusal(resp, base, config.api_key_env, bool(key))


def _request(method: str, url: str, key: str, base: str, body: dict[str, Any] | None = None) -> Any:
    import httpx

    headers = {"Authorization": f"Bearer {key}"} if key else {}
    try:
        return httpx.request(method, url, headers=headers, json=body, timeout=PREFLIGHT_TIMEOUT_S)
    except httpx.HTTPError as exc:
        raise UserError(f"LLM endpoint {base} is unreachable ({type(exc).__name__}: "
                        f"{str(exc).splitlines()[0] if str(exc) else 'no answer'}) — check --llm-base-url "
                        "and that the server runs") from None


def _raise_for_refusal(resp: Any, base: str, key_env: str, has_key: bool) -> None:
    if resp.status_code in (401, 403) and not has_key:
        raise UserError(f"LLM endpoint {base} needs an API key (HTTP {resp.status_code}): ${key_env} is not set — "
                        "export it")
    if resp.status_code in (401, 403):
        raise UserError(f"LLM endpoint {base} refused the API key in ${key_env} (HTTP {resp.status_code}: "
                        f"{_error_text(resp)}) — check the key")
    if resp.status_code >= 400:
        raise UserError(f"LLM endpoint {base} answered HTTP {resp.status_code} ({_error_text(resp)}) — check "
                        "--llm-base-url")


def _error_text(resp: Any) -> str:
    """The endpoint's error message, one line, at most 120 characters (never the request or its key)."""
    try:
        data = resp.json()
        msg = data.get("error", {}).get("message") if isinstance(data.get("error"), dict) else data.get("error")
    except (ValueError, AttributeError):
        msg = None
    return " ".join(str(msg or resp.text or resp.reason_phrase).split())[:120]
