"""Run each file's parse in a worker process, with a time and memory budget per file.

A hostile file can make a reader library abort the interpreter (python-calamine on a
shared-strings part that claims two billion entries raises SIGABRT, which no `except`
catches). Worker processes turn that into a failure of that file alone, and use both cores.
Each worker reads a batch of files, reporting as it starts and finishes each one, so a fork is
paid per batch rather than per file; when a worker dies, the file it had started is the one
that failed and the rest of its batch goes to a fresh worker.
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
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any

BATCHES_PER_WORKER = 4  # small enough to balance two cores, large enough to amortise a fork


@dataclass(frozen=True, slots=True)
class Crashed:
    """A worker that did not return: why, in words a PMO analyst can pass to IT."""

    reason: str


@dataclass
class _Worker:
    proc: Any
    conn: Connection
    jobs: deque[tuple[int, Any]]
    log: str
    current: int | None = None
    deadline: float = field(default=0.0)


def _child(
    conn: Connection,
    func: Callable[..., Any],
    jobs: list[tuple[int, Any]],
    memory_mb: int,
    stderr: str,
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
        for index, arg in jobs:
            conn.send(("start", index, None))
            try:
                result = func(arg)
            except MemoryError:
                result = Crashed(f"ran out of its {memory_mb} MB memory budget")
            except BaseException as exc:  # noqa: BLE001 - report any reader failure as data
                result = Crashed(f"the reader failed: {type(exc).__name__}: {exc}")
            try:
                conn.send(("done", index, result))
            except Exception as exc:  # noqa: BLE001 - e.g. a result that cannot be pickled
                conn.send(("done", index, Crashed(f"its result could not be returned: {exc}")))
    finally:
        conn.close()


def _context() -> multiprocessing.context.BaseContext:
    # fork is fast (no re-import per worker); elsewhere fall back to spawn.
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _signal_name(code: int) -> str:
    try:
        return signal.Signals(-code).name
    except ValueError:
        return f"signal {-code}"


def _first_line(path: str) -> str:
    """': memory allocation of 48000000000 bytes failed' from a crashed worker's stderr."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            line = handle.readline().strip()
    except OSError:
        return ""
    return f": {line[:200]}" if line else ""


def run_isolated(
    func: Callable[[Any], Any],
    args: Sequence[Any],
    *,
    workers: int | None = None,
    timeout: float = 60.0,
    memory_mb: int = 2048,
) -> Iterator[tuple[int, Any]]:
    """Yield (index, result or Crashed) for each arg as workers finish them."""
    ctx = _context()
    scratch = tempfile.mkdtemp(prefix="planreports-read-")
    workers = max(1, min(workers or os.cpu_count() or 1, len(args) or 1))
    size = max(1, -(-len(args) // (workers * BATCHES_PER_WORKER)))
    indexed = list(enumerate(args))
    batches: deque[deque[tuple[int, Any]]] = deque(
        deque(indexed[i : i + size]) for i in range(0, len(indexed), size)
    )
    active: dict[Connection, _Worker] = {}
    started = 0

    def start(jobs: deque[tuple[int, Any]]) -> None:
        nonlocal started
        started += 1
        parent, child = ctx.Pipe(duplex=False)
        log = os.path.join(scratch, f"worker-{started}.stderr")
        proc = ctx.Process(
            target=_child, args=(child, func, list(jobs), memory_mb, log), daemon=True
        )
        proc.start()
        child.close()
        active[parent] = _Worker(proc, parent, jobs, log, deadline=time.monotonic() + timeout)

    def retire(worker: _Worker, reason: str | None) -> Iterator[tuple[int, Any]]:
        """The worker is gone: fail the file it was reading, hand on the rest of its batch."""
        del active[worker.conn]
        worker.conn.close()
        worker.proc.join(5)
        if worker.current is not None and worker.jobs and worker.jobs[0][0] == worker.current:
            worker.jobs.popleft()
            if reason is None:
                code = worker.proc.exitcode
                said = _first_line(worker.log)
                if code is not None and code < 0:
                    reason = f"the reader crashed ({_signal_name(code)}{said})"
                else:
                    reason = f"the reader stopped unexpectedly (exit code {code}{said})"
            yield worker.current, Crashed(reason)
        if worker.jobs:
            batches.appendleft(worker.jobs)

    try:
        while batches or active:
            while batches and len(active) < workers:
                start(batches.popleft())
            for conn in wait(list(active), timeout=0.5):
                worker = active[conn]
                try:
                    kind, index, result = conn.recv()
                except (EOFError, OSError):
                    yield from retire(worker, None)
                    continue
                if kind == "start":
                    worker.current, worker.deadline = index, time.monotonic() + timeout
                else:
                    worker.jobs.popleft()
                    worker.current = None
                    yield index, result
            now = time.monotonic()
            for worker in list(active.values()):
                if worker.current is not None and now > worker.deadline:
                    worker.proc.kill()
                    yield from retire(worker, f"took longer than its {timeout:.0f} s time budget")
    finally:
        for worker in active.values():
            worker.proc.kill()
            worker.conn.close()
        shutil.rmtree(scratch, ignore_errors=True)
