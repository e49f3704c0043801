"""The embedder processes of one machine count their requests in one file and take turns
timing the model (embedder/machine_load.py). Other processes are real processes: POSIX
locks do not part two objects of one process."""

import fcntl
import os
import subprocess
import sys
import time
from pathlib import Path

from embedder import machine_load
from embedder.machine_load import TURN_OFFSET, MachineLoad

# A second embedder process, in miniature: opens the file, counts `requests`, takes the
# turn when told, and says each step is done.
OTHER_PROCESS = """
import sys
from pathlib import Path
from embedder.machine_load import MachineLoad
load = MachineLoad(Path(sys.argv[1]))
load.add(int(sys.argv[2]))
print("counted", flush=True)
for line in sys.stdin:
    if line.strip() == "turn":
        with load.turn():
            print("holding", flush=True)
            sys.stdin.readline()
        print("released", flush=True)
    if line.strip() == "close":
        load.close()
        print("closed", flush=True)
"""


class OtherProcess:
    def __init__(self, path: Path, requests: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", OTHER_PROCESS, str(path), str(requests)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).resolve().parents[2],
        )
        self.expect("counted")

    def say(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def expect(self, word: str) -> None:
        assert self.process.stdout is not None
        assert self.process.stdout.readline().strip() == word

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(30)

    def __enter__(self) -> "OtherProcess":
        return self

    def __exit__(self, *_: object) -> None:
        self.kill()


def test_each_process_sees_the_requests_of_the_others(tmp_path):
    here = MachineLoad(tmp_path / "load")
    here.add(1)
    with OtherProcess(tmp_path / "load", 3):
        assert here.total() == 4
        here.add(-1)
        assert here.total() == 3


def test_a_closed_process_gives_its_count_back(tmp_path):
    here = MachineLoad(tmp_path / "load")
    with OtherProcess(tmp_path / "load", 2) as other:
        assert here.total() == 2
        other.say("close")
        other.expect("closed")
        assert here.total() == 0


def test_a_dead_process_slot_is_claimed_again_and_its_count_cleared(tmp_path):
    """A process killed mid-request leaves its count until a new one takes its slot (its
    lock went with it): the next embedder process to start clears it."""
    here = MachineLoad(tmp_path / "load")
    dead = OtherProcess(tmp_path / "load", 5)
    dead.kill()
    assert here.total() == 5  # nobody can tell a dead count from a live one yet
    with OtherProcess(tmp_path / "load", 1):  # the successor
        assert here.total() == 1


def test_timing_waits_for_the_turn_another_process_holds(tmp_path):
    here = MachineLoad(tmp_path / "load")
    with OtherProcess(tmp_path / "load", 0) as other:
        other.say("turn")
        other.expect("holding")
        probe = os.open(tmp_path / "load", os.O_RDWR)
        try:
            try:
                fcntl.lockf(probe, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, TURN_OFFSET)
                held_elsewhere = False
            except OSError:
                held_elsewhere = True
        finally:
            os.close(probe)  # drops this process's locks on the file: take none below it
        assert held_elsewhere
        other.say("done")
        other.expect("released")
        with here.turn():  # free again: returns at once
            pass


def test_a_file_it_cannot_use_leaves_the_process_counting_alone(tmp_path):
    load = MachineLoad(tmp_path)  # a folder, not a file
    load.add(2)
    assert load.total() == 2
    with load.turn():
        pass
    load.close()


def test_the_machine_is_quiet_only_as_long_as_no_process_started_a_request(tmp_path, monkeypatch):
    hour_ago = time.monotonic_ns() - 3600 * 10**9
    monkeypatch.setattr(machine_load.time, "monotonic_ns", lambda: hour_ago)
    here = MachineLoad(tmp_path / "load")  # opened, and last busy, an hour ago
    monkeypatch.undo()
    with OtherProcess(tmp_path / "load", 0):  # opening starts no request
        assert here.quiet_seconds() >= 3600
    with OtherProcess(tmp_path / "load", 1):  # a request started just now, elsewhere
        assert here.quiet_seconds() < 60
