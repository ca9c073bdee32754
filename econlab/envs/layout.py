"""Packing of observation keys into one float32 row per seat, clipped once and split into read-only views.

The encoder writes the values of several keys of one or more seats into a single flat Python list;
:meth:`Block.split` packs it into one new ``float32`` buffer (``struct``, then one clip into the
boxes for all keys and seats), marks it read-only and returns, per key, a ``(rows, *shape)`` view
whose row ``i`` is seat ``i``'s array. Rows of different seats never overlap, so no two agents share
the memory of a per-seat key, and every call writes a new buffer.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from math import prod
from typing import Any

import numpy as np
from gymnasium import spaces

from econlab.envs.books import num

_F = np.float32


def at(x: Any, i: int) -> float:
    """``x[i]`` as a finite float (:func:`~econlab.envs.books.num`) when ``x`` is a list long enough, else 0."""
    return num(x[i]) if isinstance(x, list | tuple) and len(x) > i else 0.0


def onehot(n: int, i: Any) -> list[float]:
    """``n`` floats, 1 at index ``i`` (none when ``i`` is ``None`` or out of range)."""
    out = [0.0] * n
    if i is not None and 0 <= i < n:
        out[i] = 1.0
    return out


def frozen(a: np.ndarray) -> np.ndarray:
    """Mark ``a`` read-only and return it."""
    a.flags.writeable = False
    return a


class Block:
    """A fixed list of ``Box`` keys of an observation ``Dict`` laid out side by side in one row.

    Attributes:
        keys: The keys, in row order.
        shapes: Each key's shape.
        width: Floats per row.
        low: Lower bounds of a row (``float32``), from the keys' boxes.
        high: Upper bounds of a row (``float32``).
    """

    def __init__(self, space: spaces.Dict, keys: Sequence[str]) -> None:
        """Lay out ``keys`` of ``space`` (each must be a :class:`gymnasium.spaces.Box`)."""
        self.keys = tuple(keys)
        boxes = [space[k] for k in self.keys]
        if not all(isinstance(b, spaces.Box) for b in boxes):
            raise TypeError(f"every key of a block must be a Box: {self.keys}")
        self.shapes: tuple[tuple[int, ...], ...] = tuple(b.shape for b in boxes)  # type: ignore[misc]
        sizes = [prod(s) for s in self.shapes]
        self._starts = [sum(sizes[:i]) for i in range(len(sizes))]
        self._sizes = sizes
        self.width = sum(sizes)
        self.low = np.concatenate([np.broadcast_to(b.low, b.shape).ravel() for b in boxes]).astype(_F)
        self.high = np.concatenate([np.broadcast_to(b.high, b.shape).ravel() for b in boxes]).astype(_F)
        self._cache: dict[int, tuple[struct.Struct, np.ndarray, np.ndarray]] = {}

    def _rows(self, rows: int) -> tuple[struct.Struct, np.ndarray, np.ndarray]:
        """The packer of ``rows`` rows and the bounds repeated for them, flat (cached per row count)."""
        b = self._cache.get(rows)
        if b is None:
            b = (struct.Struct(f"={rows * self.width}f"), np.tile(self.low, rows), np.tile(self.high, rows))
            self._cache[rows] = b
        return b

    def _pack(self, flat: list[float], rows: int) -> np.ndarray:
        packer, low, high = self._rows(rows)
        if len(flat) != packer.size // 4:
            raise ValueError(f"expected {rows} x {self.width} values, got {len(flat)}")
        a = np.frombuffer(bytearray(packer.pack(*flat)), dtype=_F)
        np.minimum(a, high, out=a)
        np.maximum(a, low, out=a)
        a.flags.writeable = False
        return a

    def split_one(self, flat: list[float]) -> list[np.ndarray]:
        """Like :meth:`split` for one row: per key, a read-only array of the key's shape."""
        a = self._pack(flat, 1)
        return [a[s:s + n] if len(shape) == 1 else a[s:s + n].reshape(shape)
                for s, n, shape in zip(self._starts, self._sizes, self.shapes, strict=True)]

    def split(self, flat: list[float], rows: int) -> list[np.ndarray]:
        """Clip ``flat`` (``rows * width`` floats) into the boxes and return one read-only view per key.

        Args:
            flat: The rows one after the other, each in key order (arrays flattened in C order).
            rows: Number of rows (seats).

        Returns:
            Per key (in :attr:`keys` order), an array of shape ``(rows, *shape)``; all views of one
            read-only buffer.
        """
        m = self._pack(flat, rows).reshape(rows, self.width)
        return [m[:, s:s + n] if len(shape) == 1 else m[:, s:s + n].reshape((rows, *shape))
                for s, n, shape in zip(self._starts, self._sizes, self.shapes, strict=True)]

    def __getstate__(self) -> dict[str, object]:
        """Pickle without the bounds cache."""
        return {**self.__dict__, "_cache": {}}
