"""Packing of observation keys into one float32 row per seat, clipped once and split into read-only views.

The encoder writes the values of several keys of one or more seats into a single flat Python list;
:meth:`Block.split` turns it into one ``float32`` array (one ``np.array`` call and one ``np.clip`` for
all keys and seats), marks it read-only and returns, per key, a ``(rows, *shape)`` view whose row
``i`` is seat ``i``'s array. Rows of different seats never overlap, so no two agents share the memory
of a per-seat key.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import prod

import numpy as np
from gymnasium import spaces

_F = np.float32


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
        self._cache: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def bounds(self, rows: int) -> tuple[np.ndarray, np.ndarray]:
        """``low`` and ``high`` repeated for ``rows`` rows, flat (cached per row count)."""
        b = self._cache.get(rows)
        if b is None:
            b = (np.tile(self.low, rows), np.tile(self.high, rows))
            self._cache[rows] = b
        return b

    def split(self, flat: list[float], rows: int) -> list[np.ndarray]:
        """Clip ``flat`` (``rows * width`` floats) into the boxes and return one read-only view per key.

        Args:
            flat: The rows one after the other, each in key order (arrays flattened in C order).
            rows: Number of rows (seats).

        Returns:
            Per key (in :attr:`keys` order), an array of shape ``(rows, *shape)``; all views of one
            read-only buffer.
        """
        a = np.array(flat, dtype=_F)
        if a.shape != (rows * self.width,):
            raise ValueError(f"expected {rows} x {self.width} values, got {a.shape}")
        low, high = self.bounds(rows)
        np.clip(a, low, high, out=a)
        a.flags.writeable = False
        m = a.reshape(rows, self.width)
        return [m[:, s:s + n].reshape((rows, *shape))
                for s, n, shape in zip(self._starts, self._sizes, self.shapes, strict=True)]

    def __getstate__(self) -> dict[str, object]:
        """Pickle without the bounds cache."""
        return {**self.__dict__, "_cache": {}}
