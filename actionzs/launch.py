"""Many processes, one job: under ``accelerate launch`` or ``torchrun`` (``WORLD_SIZE`` > 1) each process embeds its
share of the videos on its own device and writes the features into the feature cache (the meeting point, on a
shared filesystem across nodes); then every process reads them all back, and only the main process writes
outputs, reports and progress. Without a launcher this is one process and every step here does nothing.

The share is a fixed rule on the input order (item ``i`` belongs to process ``i mod N``), so a launch that is
killed and started again gives every process the same share, of which it recomputes only what the cache lacks.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
import socket
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Callable, Sequence, TypeVar

from .errors import InputError

T = TypeVar("T")
WAIT = timedelta(hours=24)  # how long a process waits for the others at a meeting (a share can take hours)
POLL_S = 0.5  # how often the main process reads the others' progress files


@dataclass(frozen=True)
class Launch:
    processes: int = 1
    rank: int = 0
    local_rank: int = 0
    places: tuple[tuple[str, int], ...] = ()  # (host, local rank) of every process, in rank order

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def sharded(self) -> bool:
        return self.processes > 1

    def mine(self, index: int) -> bool:
        """Whether item ``index`` of the input order is this process's to compute."""
        return index % self.processes == self.rank

    def share(self, items: Sequence[T]) -> list[T]:
        return [item for i, item in enumerate(items) if self.mine(i)]

    def gather(self, value) -> list:
        """Every process's ``value``, in rank order, on every process (a collective step: all must call it)."""
        if not self.sharded:
            return [value]
        from accelerate.utils import gather_object

        return gather_object([value])

    def barrier(self) -> None:
        if self.sharded:
            _state().wait_for_everyone()

    def devices(self, device: str) -> list[str]:
        """The device every process runs on, when this one runs on ``device`` (``cuda:i`` is its local rank's GPU)."""
        if not self.sharded:
            return [device]
        if not device.startswith("cuda"):
            return [device] * self.processes
        return [f"{host}:cuda:{local}" for host, local in self.places]


@functools.lru_cache(maxsize=1)
def _state():
    import torch
    from accelerate import PartialState

    return PartialState(cpu=not torch.cuda.is_available(), timeout=WAIT)  # gloo on CPUs, NCCL on GPUs


@functools.lru_cache(maxsize=1)
def launched_processes() -> int:
    """How many processes the launcher started (its environment, no set-up): 1 without a launcher."""
    return int(os.environ.get("WORLD_SIZE", "1") or 1)


def require_shared_cache(enabled: bool) -> None:
    """Under a launch the processes meet in the feature cache, so running without one is refused in one line."""
    if not enabled and launched_processes() > 1:
        raise InputError(f"--no-cache: the {launched_processes()} processes of this launch meet in the feature "
                         "cache; drop --no-cache (across nodes, give every node the same --cache-dir on a shared "
                         "filesystem)")


def current() -> Launch:
    """This process's place in the launch (read from the launcher's environment; one process without one)."""
    if launched_processes() <= 1:
        return Launch()
    import socket

    state = _state()  # joins the process group the launcher set up
    one = Launch(state.num_processes, state.process_index, state.local_process_index)
    places = one.gather((socket.gethostname(), state.local_process_index))
    return Launch(one.processes, one.rank, one.local_rank, tuple(tuple(p) for p in places))


def is_main_process() -> bool:
    """Whether this process writes outputs and shows progress (read from the launcher's environment: no set-up)."""
    return os.environ.get("RANK", "0") in ("", "0")


def process_label() -> str:
    """``process R of N`` (counted from 1), from the launcher's environment."""
    return f"process {int(os.environ.get('RANK', '0') or 0) + 1} of {launched_processes()}"


def local_processes() -> int:
    """How many processes of the launch run on this machine (they share its cores); 1 without a launcher."""
    return int(os.environ.get("LOCAL_WORLD_SIZE", "1") or 1)


def local_rank() -> int:
    """This process's index on its machine (its GPU under a launcher); 0 without one."""
    return int(os.environ.get("LOCAL_RANK", "0") or 0)


class ShareProgress:
    """The whole launch's progress on the main process: each process counts what it finished of its share in a small
    file under ``folder``; the main process adds them up. ``report(n)`` is called with each newly finished count."""

    def __init__(self, launch: Launch, folder: Path, report: Callable[[int], None] | None):
        self.launch, self.report, self.shown = launch, report, 0
        token = launch.gather(f"{socket.gethostname()}-{os.getpid()}-{time.time_ns()}" if launch.is_main else None)[0]
        self.folder = Path(folder) / "launch" / token
        if launch.is_main:
            _sweep_killed_launches(self.folder.parent)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.done = 0

    def add(self, n: int = 1) -> None:
        self.done += n
        (self.folder / f"{self.launch.rank}.json").write_text(json.dumps(self.done))
        self.show()

    def show(self) -> int:
        """(main) report what all processes finished since the last call; the total finished."""
        if not self.launch.is_main:
            return self.done
        total = 0
        for rank in range(self.launch.processes):
            try:
                total += int(json.loads((self.folder / f"{rank}.json").read_text()))
            except (OSError, ValueError):
                pass  # not started yet, or being rewritten: read next time
        if self.report and total > self.shown:
            self.report(total - self.shown)
        self.shown = max(self.shown, total)
        return total

    def wait(self, expected: int) -> None:
        """(main) show progress until ``expected`` items are finished by all, or every process has arrived."""
        if self.launch.is_main:
            while self.show() < expected:
                time.sleep(POLL_S)

    def close(self) -> None:
        self.launch.barrier()
        if self.launch.is_main:
            shutil.rmtree(self.folder, ignore_errors=True)
            with contextlib.suppress(OSError):
                self.folder.parent.rmdir()  # the launch folder, when no other launch is running


def _sweep_killed_launches(folder: Path) -> None:
    """Remove the progress folders of launches whose main process ran on this machine and is gone (killed): a
    folder of another machine's launch is left alone, as its process cannot be seen from here."""
    host = socket.gethostname()
    for old in folder.glob("*-*-*"):
        name, pid, _ = old.name.rsplit("-", 2)
        if name == host and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True
