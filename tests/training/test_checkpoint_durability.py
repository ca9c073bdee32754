"""A crash at any step of writing a training checkpoint never makes a torn checkpoint the one to resume from.

The algorithm is a stand-in whose ``save_to_path`` writes two files (as RLlib's does, only smaller), so the
test needs neither Ray nor torch; ``econlab.training.train._save`` and ``latest_checkpoint`` are the real ones.
"""

from __future__ import annotations

from pathlib import Path

from crashpoint import run_child

from econlab.training.train import latest_checkpoint

SAVE = """
from pathlib import Path
from econlab.training.train import _save

class Algo:
    def save_to_path(self, path):
        p = Path(path)
        p.mkdir(parents=True, exist_ok=True)
        (p / "algorithm_state.pkl").write_bytes(b"state" * 2000)
        (p / "rllib_checkpoint.json").write_text('{{"iteration": {it}}}')

_save(Algo(), Path({run!r}), {it})
"""


def save(run: Path, it: int, crash_at: int | None) -> dict:
    return run_child(SAVE.format(run=str(run), it=it), run, crash_at)


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def test_a_crash_while_checkpointing_resumes_from_the_last_whole_checkpoint(tmp_path: Path) -> None:
    clean = tmp_path / "clean"
    save(clean, 1, None)
    steps = save(clean, 2, None)["steps"]
    assert steps >= 3 and latest_checkpoint(clean).name == "iter_00002"
    for k in range(1, steps + 1):
        run = tmp_path / f"crash-{k}"
        save(run, 1, None)
        assert save(run, 2, k)["crashed"]
        latest = latest_checkpoint(run)
        if latest.name != "iter_00001":  # the crash came after the last byte of the checkpoint: it is whole
            assert latest.name == "iter_00002" and files(latest) == files(clean / "checkpoints" / "iter_00002"), k
        save(run, 2, None)  # the rerun writes it again
        ckpt = latest_checkpoint(run)
        assert ckpt.name == "iter_00002"
        assert files(ckpt) == files(clean / "checkpoints" / "iter_00002")
