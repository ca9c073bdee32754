"""The command line's error path: what a user did wrong versus what went wrong inside econlab.

A :class:`UserError` is a mistake in the user's input or environment (a bad option, an unknown config
key, a missing credential, an unreachable server, an unwritable run folder). The CLI prints it as one
``error: ...`` line and exits with :data:`EXIT_USER`, before any work starts where possible. Anything
else that escapes a command is an internal error: the CLI shows its traceback and says so.
"""

from __future__ import annotations

#: the run did not produce what was asked: a recorded game differs from the engine (``replay``), a replay
#: missed the LLM cache, or the LLM budget stopped the run (``--on-budget stop``); an unfinished game is
#: written as ``<name>.incomplete.json`` (never as a complete record) and a rerun resumes it
EXIT_MISMATCH = 1
#: the user's input or environment is wrong; nothing (or only a marked-incomplete record) was written
EXIT_USER = 2
#: the run finished but LLM seats fell back more often than ``--max-fallback-rate`` allows
EXIT_FALLBACK = 3


class UserError(Exception):
    """A mistake the user can fix; its message is one line that says what happened and what to do.

    Args:
        message: What is wrong and, where it helps, the allowed values or the fix.
        exit_code: The process exit status (default :data:`EXIT_USER`).
    """

    def __init__(self, message: str, exit_code: int = EXIT_USER) -> None:
        super().__init__(message)
        self.exit_code = exit_code
