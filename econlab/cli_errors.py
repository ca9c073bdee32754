"""The command line's one error path (used by every ``econlab`` command, see :mod:`econlab.errors`).

* a :class:`~econlab.errors.UserError` (and a usage error: unknown option, bad value, missing argument) is
  printed as ``error: <what> — <allowed values / what to do>`` on stderr and exits with its code (2);
* ``typer.Exit(code)`` exits with ``code`` (1: a replay mismatch, 3: too many LLM fallbacks);
* an ``OSError`` about a path (a folder that vanished, a full disk) is an ``error:`` line too (exit 2);
* anything else is an internal error: its traceback is shown, followed by a line saying so (exit 70).

:class:`ErrorHandlingGroup` is the root command's class, so the same path runs under the ``econlab`` script,
``python -m econlab.cli`` and Typer's ``CliRunner``.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Sequence
from typing import Any

from typer import Abort
from typer.core import TyperGroup

from econlab.errors import EXIT_USER, UserError

try:  # recent Typer releases vendor Click; older ones use the click package
    from typer._click import exceptions as click_errors
except ImportError:  # pragma: no cover - depends on the installed Typer
    from click import exceptions as click_errors  # type: ignore[no-redef]

#: "no arguments: show the help" (Click >= 8.2); a class nothing raises on older versions
_NO_ARGS = getattr(click_errors, "NoArgsIsHelpError", type("_NeverRaised", (Exception,), {}))

#: exit status of an internal error (BSD ``EX_SOFTWARE``)
EXIT_INTERNAL = 70


def print_error(message: str) -> None:
    """Print ``error: ...`` lines on stderr, unwrapped (a long line stays one line)."""
    for line in str(message).strip().splitlines() or ["(no message)"]:
        sys.stderr.write(f"error: {line.removeprefix('error: ')}\n")
    sys.stderr.flush()


def usage_message(exc: click_errors.ClickException) -> str:
    """A usage error in the ``what — what to do`` style (no box, no library wording)."""
    ctx = getattr(exc, "ctx", None)
    command = ctx.command_path if ctx is not None else "econlab"
    help_hint = f"see `{command} --help`"
    if isinstance(exc, click_errors.NoSuchOption):
        close = [p for p in (exc.possibilities or ())][:3]
        did = f"did you mean {' or '.join(close)}? " if close else ""
        return f"{command}: no such option {exc.option_name} — {did}{help_hint}"
    if isinstance(exc, click_errors.MissingParameter):
        return f"{command}: missing {_param_name(exc)} — {help_hint}"
    if isinstance(exc, click_errors.BadParameter):
        from pydantic import ValidationError

        from econlab.configfile import describe

        cause = exc.__cause__
        what = describe(cause.errors()[0]) if isinstance(cause, ValidationError) else f"{exc.message} — {help_hint}"
        return f"{command}: {_param_name(exc)}: {what}"
    text = exc.format_message() if hasattr(exc, "format_message") else str(exc)
    text = text.replace("No such command", "no such command").rstrip(".")
    return f"{command}: {text} — {help_hint}"


def _param_name(exc: Any) -> str:
    hint = getattr(exc, "param_hint", None)
    if hint:
        return hint if isinstance(hint, str) else " / ".join(hint)
    param = getattr(exc, "param", None)
    if param is None:
        return "a value"
    opts = getattr(param, "opts", None) or []
    if opts and str(opts[0]).startswith("-"):
        return str(max(opts, key=len))
    return str(getattr(param, "name", "argument")).upper()


def _internal() -> None:
    traceback.print_exc()
    sys.stderr.write("internal error: this is a bug in econlab, not in your input — please report it with the "
                     "traceback above\n")


class ErrorHandlingGroup(TyperGroup):
    """The root ``econlab`` group: runs a command and turns what escapes it into the module's error path."""

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,  # type: ignore[override]
             complete_var: str | None = None, standalone_mode: bool = True, **extra: Any) -> Any:
        """Run the command line; exits with the status described in the module docstring."""
        try:
            rv = super().main(args, prog_name or "econlab", complete_var, standalone_mode=False, **extra)
        except UserError as exc:
            print_error(str(exc))
            code = exc.exit_code
        except _NO_ARGS as exc:
            sys.stdout.write(exc.ctx.get_help() + "\n" if exc.ctx is not None else "")
            code = 0
        except click_errors.UsageError as exc:
            print_error(usage_message(exc))
            code = EXIT_USER
        except click_errors.ClickException as exc:
            print_error(exc.format_message())
            code = exc.exit_code
        except (Abort, KeyboardInterrupt):
            print_error("interrupted — a rerun resumes where the records stopped")
            code = 130
        except OSError as exc:
            if exc.filename is None:  # not a file-system problem of the user's paths: report it as a bug
                _internal()
                code = EXIT_INTERNAL
            else:
                print_error(f"{exc.filename}: {(exc.strerror or type(exc).__name__).lower()} — check the path, its "
                            "permissions and the free space")
                code = EXIT_USER
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except Exception:  # noqa: BLE001 - the one place that reports what escaped a command
            _internal()
            code = EXIT_INTERNAL
        else:
            code = rv if isinstance(rv, int) else 0
        if standalone_mode:
            sys.exit(code)
        return code
