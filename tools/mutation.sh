#!/usr/bin/env bash
# Mutation testing of the rules and bookkeeping modules with mutmut (a habit, not part of CI).
#
#   tools/mutation.sh                    # group "game": econlab/games/ibex/*, tests/games/ibex; 6 mutants per module
#   MUTATION_GROUPS="game bookkeeping" MUTATION_PER_MODULE=0 tools/mutation.sh   # every mutant (hours)
#
# Each group is copied to a scratch folder ($MUTATION_WORK/<group>) with its [tool.mutmut] table
# (tools/mutation_groups.toml), so the checkout stays clean. The sample is deterministic: per module,
# the first MUTATION_PER_MODULE mutants ordered by the SHA-256 of their names, so two runs (before and
# after a change of the tests) try the same mutants while the code under test is unchanged.
# MUTATION_CAP_S caps the mutants' run (what finished is still scored). Needs: pip install mutmut==3.8.1
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SRC=${MUTATION_SRC:-$ROOT}
WORK=${MUTATION_WORK:-/tmp/econlab-mutation}
PER_MODULE=${MUTATION_PER_MODULE:-6}
CAP_S=${MUTATION_CAP_S:-3600}
JOBS=${MUTATION_JOBS:-1}
PY=${PYTHON:-$ROOT/.venv/bin/python}
MUTMUT="$(dirname "$PY")/mutmut"
[ -x "$MUTMUT" ] || { echo "mutmut is not installed in $(dirname "$PY") — run: $PY -m pip install mutmut==3.8.1" >&2; exit 2; }
export ECONLAB_SHARED=${ECONLAB_SHARED:-$(cd "$ROOT/.." && pwd)/shared}
export HYPOTHESIS_PROFILE=${HYPOTHESIS_PROFILE:-ci}
[ -d "$ECONLAB_SHARED" ] || { echo "$ECONLAB_SHARED not found — set ECONLAB_SHARED to the project's shared folder" >&2; exit 2; }

for group in ${MUTATION_GROUPS:-game}; do
    dir="$WORK/$group"
    rm -rf "$dir" && mkdir -p "$dir"
    cp -r "$SRC/econlab" "$SRC/tests" "$SRC/configs" "$SRC/pyproject.toml" "$dir/"
    "$PY" "$ROOT/tools/mutation_report.py" config "$ROOT/tools/mutation_groups.toml" "$group" >> "$dir/pyproject.toml"
    echo "== $group: generating mutants and mapping tests to functions ($dir/generate.log)"
    # a filter that matches nothing: mutmut generates the mutants and its test map, then stops
    (cd "$dir" && "$MUTMUT" run --max-children "$JOBS" "__generate_only__" > generate.log 2>&1) || true
    "$PY" "$ROOT/tools/mutation_report.py" sample "$dir" "$PER_MODULE" > "$dir/sample.txt"
    [ -s "$dir/sample.txt" ] || { echo "no mutants generated — see $dir/generate.log" >&2; exit 1; }
    echo "== $group: running $(wc -l < "$dir/sample.txt") mutants (cap ${CAP_S}s, $dir/run.log)"
    start=$(date +%s)
    (cd "$dir" && timeout "$CAP_S" "$MUTMUT" run --max-children "$JOBS" $(cat sample.txt) > run.log 2>&1) || true
    echo "== $group: $(( $(date +%s) - start ))s"
    "$PY" "$ROOT/tools/mutation_report.py" score "$dir" "$dir/sample.txt"
done
