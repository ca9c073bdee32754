"""Output folders checked before any work starts: writable, a folder, and never silently overwritten."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from econlab.errors import UserError


def check_out_dir(path: str | os.PathLike[str], option: str = "--out") -> Path:
    """Check that ``path`` is (or can become) a writable folder, without creating it.

    Args:
        path: The output folder.
        option: How the user named it, for the message.

    Raises:
        UserError: ``path`` is a file, lies under a file, or its nearest existing folder is not writable.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise UserError(f"{option} {path} is a file, not a folder — give a folder (it is created when missing)")
    probe = path
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir():
        raise UserError(f"{option} {path}: {probe} is a file, so no folder can be made under it — "
                        "give another folder")
    try:  # a real file: permission bits say nothing for root or on read-only mounts
        fd, name = tempfile.mkstemp(dir=probe, prefix=".econlab-write-check-")
        os.close(fd)
        os.unlink(name)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise UserError(f"{option} {path}: cannot write in {probe} ({reason.lower()}) — give a writable "
                        "folder") from None
    return path


def refuse_overwrite(files: list[Path], overwrite: bool, what: str) -> None:
    """Refuse to replace existing outputs unless ``overwrite`` is set.

    Raises:
        UserError: The first existing file, what it is and how to proceed.
    """
    existing = [f for f in files if f.exists()]
    if existing and not overwrite:
        raise UserError(f"{existing[0]} already exists ({what}) — pass --overwrite to replace it, or choose "
                        "another --out folder")
