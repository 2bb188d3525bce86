"""Run each file's parse in its own worker process, with a time and memory budget.

A hostile file can make a reader library abort the interpreter (python-calamine on a
shared-strings part that claims two billion entries raises SIGABRT, which no `except`
catches). A separate process turns that into a failure of that file alone, and uses both cores.
"""

from __future__ import annotations

import contextlib
import faulthandler
import multiprocessing
import os
import resource
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any


@dataclass(frozen=True, slots=True)
class Crashed:
    """A worker that did not return: why, in words a PMO analyst can pass to IT."""

    reason: str


def _child(
    conn: Connection, func: Callable[..., Any], arg: Any, memory_mb: int, stderr: str
) -> None:
    # A native library that aborts prints its own backtrace; keep it for the message, off
    # the user's terminal (and off a test runner's fault handler, which holds its own fd).
    faulthandler.disable()
    with contextlib.suppress(OSError):
        fd = os.open(stderr, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(fd, 2)
        os.close(fd)
    if memory_mb > 0:
        limit = memory_mb * 1024 * 1024
        # A platform without RLIMIT_AS still gets the time budget.
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        result = func(arg)
    except MemoryError:
        result = Crashed(f"ran out of its {memory_mb} MB memory budget")
    except BaseException as exc:  # noqa: BLE001 - report any reader failure as data
        result = Crashed(f"the reader failed: {type(exc).__name__}: {exc}")
    try:
        conn.send(result)
    finally:
        conn.close()


def _context() -> multiprocessing.context.BaseContext:
    # fork is fast (no re-import per file); elsewhere fall back to spawn.
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _signal_name(code: int) -> str:
    try:
        return signal.Signals(-code).name
    except ValueError:
        return f"signal {-code}"


def run_isolated(
    func: Callable[[Any], Any],
    args: Sequence[Any],
    *,
    workers: int | None = None,
    timeout: float = 60.0,
    memory_mb: int = 2048,
) -> Iterator[tuple[int, Any]]:
    """Yield (index, result or Crashed) for each arg as workers finish."""
    ctx = _context()
    scratch = tempfile.mkdtemp(prefix="planreports-read-")
    workers = max(1, min(workers or os.cpu_count() or 1, len(args) or 1))
    pending = list(enumerate(args))
    pending.reverse()
    active: dict[Connection, tuple[int, Any, float]] = {}
    try:
        while pending or active:
            while pending and len(active) < workers:
                index, arg = pending.pop()
                parent, child = ctx.Pipe(duplex=False)
                log = os.path.join(scratch, f"worker-{index}.stderr")
                proc = ctx.Process(
                    target=_child, args=(child, func, arg, memory_mb, log), daemon=True
                )
                proc.start()
                child.close()
                active[parent] = (index, proc, time.monotonic() + timeout)
            ready = wait(list(active), timeout=0.5)
            for conn in ready:
                index, proc, _deadline = active.pop(conn)
                try:
                    result = conn.recv()
                except (EOFError, OSError):
                    proc.join(5)
                    code = proc.exitcode
                    said = _first_line(os.path.join(scratch, f"worker-{index}.stderr"))
                    if code is not None and code < 0:
                        result = Crashed(f"the reader crashed ({_signal_name(code)}{said})")
                    else:
                        result = Crashed(
                            f"the reader stopped unexpectedly (exit code {code}{said})"
                        )
                except Exception as exc:  # noqa: BLE001 - an unpicklable result
                    result = Crashed(f"the reader's result could not be returned: {exc}")
                conn.close()
                proc.join(5)
                yield index, result
            now = time.monotonic()
            for conn, (index, proc, deadline) in list(active.items()):
                if now > deadline:
                    proc.kill()
                    proc.join(5)
                    conn.close()
                    del active[conn]
                    yield index, Crashed(f"took longer than its {timeout:.0f} s time budget")
    finally:
        for conn, (_index, proc, _deadline) in active.items():
            proc.kill()
            conn.close()
        shutil.rmtree(scratch, ignore_errors=True)


def _first_line(path: str) -> str:
    """': memory allocation of 48000000000 bytes failed' from a crashed worker's stderr."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            line = handle.readline().strip()
    except OSError:
        return ""
    return f": {line[:200]}" if line else ""
