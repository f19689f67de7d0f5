"""What the user sees on stderr while work runs: actionzs's own progress bars, its log lines (Python ``logging``
under the ``actionzs`` logger), and the libraries' bars and warnings kept out of the way.

``-q`` hides bars and info lines (warnings and errors stay), ``-v`` adds what is loaded from where, ``-vv`` the
libraries' own bars and warnings too. Bars are drawn only when stderr is a terminal.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import warnings

log = logging.getLogger("actionzs")

_STATE = {"quiet": False}


def setup(verbosity: int = 0) -> None:
    """Configure logging for a command line run: ``verbosity`` -1 (quiet), 0, 1 (-v) or 2 (-vv).

    Called before any library is imported, so environment switches reach the libraries: their progress bars
    (tqdm, Hugging Face) are off by default and their info and deprecation lines are silenced below -vv."""
    from .launch import is_main_process

    _STATE["quiet"] = verbosity < 0 or not is_main_process()  # under a launcher the main process alone shows
    # progress and notices; the others' -v lines (what each loaded and embedded) still go to stderr
    level = {-1: logging.WARNING, 0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
    log.handlers[0].setStream(sys.stderr)  # the stderr of this run (a test runner swaps it per invocation)
    log.setLevel(level)
    log.propagate = False
    if verbosity >= 2:
        return
    os.environ.setdefault("TQDM_DISABLE", "1")  # libraries' bars (gguf conversion, sentence-transformers): ours pass disable=
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # transformers' "Loading weights" bars
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    for category in (FutureWarning, DeprecationWarning, UserWarning):
        warnings.filterwarnings("ignore", category=category, module=r"(?!actionzs)")


def quiet() -> bool:
    return _STATE["quiet"]


def info(message: str) -> None:
    """A line shown with -v: what is loaded from where."""
    log.info(message)


def notice(message: str) -> None:
    """A line shown unless -q: something reused or skipped that the user should know about."""
    if not quiet():
        log.warning(message)


def warning(message: str) -> None:
    """A ``warning:`` line on stderr, shown even with -q (what was not as expected, and what was done about it);
    under a launcher by the main process alone."""
    from .launch import is_main_process

    if is_main_process():
        log.warning(f"warning: {message}")


LOG_EVERY_S = 10.0  # off a terminal, a progress line at most this often


def progress(unit: str, total: int | None = None, desc: str | None = None):
    """A progress bar on stderr when it is a terminal; off a terminal (logs, CI, notebooks) a plain line every
    ``LOG_EVERY_S`` seconds (done/total, rate, ETA); nothing with -q. Use it in a ``with`` block."""
    from tqdm import tqdm

    if not quiet() and not sys.stderr.isatty():
        return LogProgress(unit, total, desc or unit)
    return tqdm(total=total, unit=unit.rstrip("s"), desc=desc or unit, file=sys.stderr,
                disable=True if quiet() else None, leave=False)


def clock(seconds: float) -> str:
    """Time for people: ``m:ss.s``, or ``h:mm:ss`` past an hour."""
    seconds = max(float(seconds), 0.0)
    if seconds >= 3599.5:
        whole = int(seconds + 0.5)
        return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
    tenths = round(seconds * 10)  # rounded once, so 59.96 s is 1:00.0, never 0:60.0
    return f"{tenths // 600}:{tenths % 600 // 10:02d}.{tenths % 10}"


class LogProgress:
    """tqdm's counting interface (update, set_postfix, total, refresh) as plain log lines at a bounded rate."""

    disable = False

    def __init__(self, unit: str, total: int | None, desc: str):
        import time

        self.unit, self.total, self.desc, self.n = unit, total, desc, 0
        self._now = time.monotonic
        self._start = self._last = self._now()
        self._postfix = ""

    def __enter__(self) -> "LogProgress":
        return self

    def __exit__(self, *exc) -> None:
        if self._last != self._start:  # it spoke before: say where it ended
            self._say()

    def update(self, n: int = 1) -> None:
        self.n += n
        if self._now() - self._last >= LOG_EVERY_S:
            self._say()

    def set_postfix(self, values: dict) -> None:
        self._postfix = ", ".join(f"{k} {v}" for k, v in values.items())

    def refresh(self) -> None:
        pass

    def _say(self) -> None:
        self._last = self._now()
        elapsed = self._last - self._start
        rate = self.n / elapsed if elapsed else 0.0
        done = f"{self.n}/{self.total}" if self.total else f"{self.n}"
        eta = f", ETA {clock((self.total - self.n) / rate)}" if self.total and rate and self.n < self.total else ""
        extra = f", {self._postfix}" if self._postfix else ""
        log.warning(f"{self.desc}: {done} {self.unit}, {rate:.2f}/s, {clock(elapsed)} elapsed{eta}{extra}")


@contextlib.contextmanager
def working(desc: str):
    """A bar with the elapsed time for one long step whose progress cannot be counted (a model conversion);
    the step is also logged (-v), so a quiet or piped run still says what took the time when asked."""
    log.info(desc)
    with progress("s", None, desc) as bar:
        stop = threading.Event()

        def tick():
            while not stop.wait(0.5):
                bar.refresh()

        ticker = threading.Thread(target=tick, daemon=True)
        if not bar.disable:
            ticker.start()
        try:
            yield
        finally:
            stop.set()
            if ticker.is_alive():
                ticker.join()
