"""The ``openai`` backend: the official SDK against any OpenAI-compatible endpoint.

Structured output (``response_format`` with the answer's JSON schema) is used when the endpoint
accepts it; with ``structured="auto"`` a 400 answer to it switches this backend to JSON-in-text for
the rest of the run. 429, 5xx, timeouts and connection errors are retried with exponential
backoff (``backoff_s * 2**i``, at most ``backoff_max_s``), waiting what ``Retry-After`` asks when
the server sends it. The SDK's own retries are off so that every attempt is recorded here.
The API key is read from the environment; it is never logged, recorded or part of a cache key.
"""

from __future__ import annotations

import asyncio
import email.utils
import os
import time
from typing import Any

from econlab.policies.llm.backends.base import BackendError, Completion
from econlab.policies.llm.config import LLMConfig

RETRY_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504})


def retry_after_s(headers: Any) -> float | None:
    """Seconds asked by ``Retry-After`` / ``retry-after-ms`` headers (``None`` when absent or unreadable)."""
    if headers is None:
        return None
    ms = headers.get("retry-after-ms")
    if ms is not None:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(raw) if raw else None
        return None if parsed is None else max(0.0, parsed.timestamp() - time.time())


class OpenAIBackend:
    """Chat completions from an OpenAI-compatible endpoint (module docstring)."""

    name = "openai"

    def __init__(self, config: LLMConfig) -> None:
        import openai  # noqa: F401 - fail early when the extra is missing

        self.config = config
        self.model = config.model_name()
        key = os.environ.get(config.api_key_env)
        if not key:
            if config.base_url is None:
                raise ValueError(f"the openai backend needs an API key in ${config.api_key_env} "
                                 "(or --llm-base-url for a local endpoint that needs none)")
            key = "not-needed"
        self._key = key
        self.structured = config.structured != "off"
        self._http: Any = None
        self._client_loop: asyncio.AbstractEventLoop | None = None

    def _client(self) -> Any:
        import openai

        loop = asyncio.get_running_loop()
        if self._client_loop is not loop:  # an httpx client belongs to one event loop
            self._http = openai.AsyncOpenAI(api_key=self._key, base_url=self.config.base_url,
                                            timeout=self.config.timeout_s, max_retries=0)
            self._client_loop = loop
        return self._http

    async def complete(self, messages: list[dict[str, str]], schema: dict[str, Any] | None, *, seed: int,
                       where: str) -> Completion:
        """One answer, after retries (module docstring).

        Raises:
            BackendError: The endpoint stayed unreachable or refused the request.
        """
        import openai

        attempts: list[dict[str, Any]] = []
        cfg = self.config
        i = 0
        while True:
            structured = self.structured and schema is not None
            kwargs: dict[str, Any] = {"model": self.model, "messages": messages, "temperature": cfg.temperature,
                                      "max_tokens": cfg.effective_max_tokens(), "seed": seed}
            if structured:
                kwargs["response_format"] = {"type": "json_schema",
                                             "json_schema": {"name": "answer", "schema": schema, "strict": False}}
            try:
                resp = await self._client().chat.completions.create(**kwargs)
            except openai.APIStatusError as exc:
                status = exc.status_code
                if status == 400 and structured and cfg.structured == "auto":
                    attempts.append({"error": f"HTTP 400 with structured output: {_short(exc)}; switching to text",
                                     "status": 400, "wait_s": 0.0})
                    self.structured = False
                    continue
                if status not in RETRY_STATUS:
                    attempts.append({"error": f"HTTP {status}: {_short(exc)}", "status": status, "wait_s": 0.0})
                    raise BackendError(f"{where}: endpoint refused the request (HTTP {status})", attempts) from None
                wait = retry_after_s(exc.response.headers)
                err = f"HTTP {status}: {_short(exc)}"
            except (openai.APITimeoutError, openai.APIConnectionError) as exc:
                status, wait, err = None, None, f"{type(exc).__name__}: {_short(exc)}"
            else:
                choice = resp.choices[0] if resp.choices else None
                text = (choice.message.content if choice is not None else None) or ""
                usage = resp.usage
                return Completion(text=text, prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
                                  completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
                                  structured=structured, attempts=attempts)
            if i >= cfg.max_retries:
                attempts.append({"error": err, "status": status, "wait_s": 0.0})
                raise BackendError(f"{where}: endpoint unreachable after {i + 1} attempts ({err})", attempts)
            backoff = min(cfg.backoff_max_s, cfg.backoff_s * 2 ** i)
            delay = min(cfg.backoff_max_s, wait) if wait is not None else backoff
            attempts.append({"error": err, "status": status, "wait_s": round(delay, 3)})
            i += 1
            await asyncio.sleep(delay)


def _short(exc: BaseException) -> str:
    return str(exc).replace("\n", " ")[:200]
