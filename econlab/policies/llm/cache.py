"""A content-addressed answer cache on disk.

The key is the SHA-256 of the canonical JSON of what determines an answer: the backend that
produced it, the model, the sampling parameters, the messages and the answer schema. Entries are
JSON files ``<dir>/<key[:2]>/<key>.json`` written atomically, so concurrent seats and crashed runs
never leave a half-written entry. The endpoint URL and the API key are not part of the key.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any


def cache_key(backend: str, model: str, params: dict[str, Any], messages: list[dict[str, str]],
              schema: dict[str, Any] | None) -> str:
    """The content address of one request."""
    blob = json.dumps({"backend": backend, "model": model, "params": params, "messages": messages, "schema": schema},
                      sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class AnswerCache:
    """Answers stored by :func:`cache_key` under ``folder``."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored entry, or ``None``."""
        path = self._path(key)
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, json.JSONDecodeError) as exc:
            raise ValueError(f"cache entry {path} is unreadable: {exc}") from exc

    def put(self, key: str, entry: dict[str, Any]) -> None:
        """Store ``entry`` atomically (an existing entry is kept: the first answer wins)."""
        path = self._path(key)
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(entry, sort_keys=True, ensure_ascii=False))  # one write, not one per token
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)

    def __len__(self) -> int:
        # a put that was killed leaves its ``.tmp-*`` file behind: not an entry
        return sum(1 for p in self.folder.glob("*/*.json") if not p.name.startswith("."))
