"""Helper of tools/mutation.sh: write a group's mutmut config, pick a deterministic sample, print scores.

Usage:
    mutation_report.py config GROUPS_TOML GROUP       # the [tool.mutmut] table of one group
    mutation_report.py sample WORKDIR PER_MODULE      # mutant names, PER_MODULE per module (0: all)
    mutation_report.py score WORKDIR [NAMES_FILE]     # killed / tested per module, survivors listed
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import tomllib
from collections import defaultdict
from pathlib import Path

#: mutmut exit codes (mutmut.stats.status_by_exit_code) folded into the three outcomes that a score needs
KILLED = {1, 3, 36, -24, 24, 152, 255, 37}  # a failing test, a pytest error, a timeout (an endless loop)
SURVIVED = {0}
MODULE = re.compile(r"^(.*?)\.x[_ǁ]")


def config(groups_toml: str, group: str) -> str:
    """The ``[tool.mutmut]`` table for ``group``."""
    groups = tomllib.loads(Path(groups_toml).read_text(encoding="utf-8"))
    if group not in groups:
        raise SystemExit(f"unknown mutation group {group!r}; groups are {sorted(groups)}")
    g = groups[group]
    return "\n".join([
        "", "[tool.mutmut]", 'source_paths = ["econlab"]',
        f"only_mutate = {json.dumps(g['only_mutate'])}",
        f"pytest_add_cli_args_test_selection = {json.dumps(g['tests'])}",
        'also_copy = ["configs"]',  # the default config files (prices, personas) that modules find beside the code
        'pytest_add_cli_args = ["-x", "-q", "-p", "no:cacheprovider"]', "",
    ])


def results(workdir: Path) -> dict[str, int | None]:
    """Every mutant name with its exit code (``None``: not run)."""
    out: dict[str, int | None] = {}
    for meta in sorted((workdir / "mutants").rglob("*.py.meta")):
        out.update(json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"])
    return out


def module_of(name: str) -> str:
    """The dotted module of a mutant name (``econlab.games.ibex.voting.xǁVotingǁtally__mutmut_3``)."""
    m = MODULE.match(name)
    return m.group(1) if m else name.rsplit(".", 1)[0]


def sample(workdir: Path, per_module: int) -> list[str]:
    """``per_module`` mutants of each module, chosen by the SHA-256 of their names (stable across runs)."""
    by_module: dict[str, list[str]] = defaultdict(list)
    for name in results(workdir):
        by_module[module_of(name)].append(name)
    picked: list[str] = []
    for module in sorted(by_module):
        names = sorted(by_module[module], key=lambda n: hashlib.sha256(n.encode()).hexdigest())
        picked += names if per_module <= 0 else names[:per_module]
    return picked


def score(workdir: Path, names_file: str | None) -> None:
    """Print killed / (killed + survived) per module and the survivors."""
    codes = results(workdir)
    if names_file:
        wanted = set(Path(names_file).read_text(encoding="utf-8").split())
        codes = {k: v for k, v in codes.items() if k in wanted}
    rows: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    survivors: list[str] = []
    for name, code in sorted(codes.items()):
        row = rows[module_of(name)]
        if code in KILLED:
            row[0] += 1
        elif code in SURVIVED:
            row[1] += 1
            survivors.append(name)
        else:
            row[2] += 1  # not run (time cap), no covering test, or suspicious
    print(f"{'module':40} {'killed':>6} {'surv.':>6} {'other':>6} {'score':>7}")
    tk = ts = 0
    for module, (k, s, o) in sorted(rows.items()):
        tk, ts = tk + k, ts + s
        print(f"{module:40} {k:6d} {s:6d} {o:6d} {(f'{100 * k / (k + s):.1f}%' if k + s else '-'):>7}")
    print(f"{'total':40} {tk:6d} {ts:6d} {'':6} {(f'{100 * tk / (tk + ts):.1f}%' if tk + ts else '-'):>7}")
    if survivors:
        print("\nsurvivors (inspect with: mutmut show NAME, in the work folder):")
        print("\n".join(f"  {s}" for s in survivors))


def main(argv: list[str]) -> None:
    """Dispatch the sub-commands (module docstring)."""
    if len(argv) < 2:
        raise SystemExit(__doc__)
    cmd, args = argv[0], argv[1:]
    if cmd == "config":
        print(config(args[0], args[1]))
    elif cmd == "sample":
        print("\n".join(sample(Path(args[0]), int(args[1]))))
    elif cmd == "score":
        score(Path(args[0]), args[1] if len(args) > 1 else None)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
