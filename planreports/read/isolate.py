"""Run each file's parse in a worker process, with a time and memory budget per file.

A hostile file can make a reader library abort the interpreter (python-calamine on a
shared-strings part that claims two billion entries raises SIGABRT, which no `except`
catches). Worker processes turn that into a failure of that file alone, and use both cores.
One worker per core lives for the whole run, so a fork is paid per core, not per file. It
reads its files one at a time, in the order handed, with the next one already waiting in the
pipe; so the file a dead worker was reading is known exactly (the oldest it has not answered),
and a fresh worker takes its place for the files still to read.

Workers never outlive the build: on Linux each asks the kernel to kill it when its parent dies
(even by SIGKILL, which runs no cleanup), and each closes the pipe ends it inherited from its
siblings, so a worker blocked on its pipe sees end-of-file when the parent is gone. A worker's
stderr goes to an unnamed temporary file, so a killed build leaves no files behind either.
"""

from __future__ import annotations

import contextlib
import faulthandler
import gc
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

from planreports.forked import die_with_parent

IN_FLIGHT = 2  # files handed to a worker ahead of its answers


@dataclass(frozen=True, slots=True)
class Crashed:
    """A worker that did not return: why, in words a PMO analyst can pass to IT."""

    reason: str


@dataclass
class _Worker:
    proc: Any
    conn: Connection
    log: Any  # a file object: the worker's stderr
    # Jobs handed over and not yet answered, oldest first: the worker reads them in order, so
    # the first is the one it is reading now. A second one waits in the pipe, so the worker
    # never idles while the parent is busy with another worker's result.
    pending: deque[int] = field(default_factory=deque)
    deadline: float = 0.0  # for the first pending job


def _child(
    conn: Connection,
    func: Callable[..., Any],
    memory_mb: int,
    stderr: int | str,
    parent: int,
    inherited: Sequence[int],
) -> None:
    die_with_parent(parent)
    for fd in inherited:  # siblings' pipe ends: held here, they would keep a sibling waiting
        with contextlib.suppress(OSError):
            os.close(fd)
    # A native library that aborts prints its own backtrace; keep it for the message, off
    # the user's terminal (and off a test runner's fault handler, which holds its own fd).
    faulthandler.disable()
    # What the worker inherited from the parent lives as long as it does: keep the cyclic
    # collector from walking it (and from touching, so copying, its shared pages) every pass.
    gc.freeze()
    # A file's rows, grid and parts are freed by reference counting as soon as it is
    # answered; the cyclic collector, left on, would walk them again and again while they
    # are built (about a tenth of the worker's time). It runs once after each file instead.
    gc.disable()
    with contextlib.suppress(OSError):
        if isinstance(stderr, int):
            os.dup2(stderr, 2)
        else:
            fd = os.open(stderr, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(fd, 2)
            os.close(fd)
    # A reader library that prints (xlrd's warnings, a native library's notes) must never
    # reach the user's standard output: `check --format json` prints one JSON document there.
    with contextlib.suppress(OSError):
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, 1)
        os.close(fd)
    if memory_mb > 0:
        limit = memory_mb * 1024 * 1024
        # A platform without RLIMIT_AS still gets the time budget.
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        while True:
            try:
                job = conn.recv()
            except EOFError:
                return  # the parent is gone
            if job is None:
                return  # no more work
            index, arg = job
            try:
                result = func(arg)
            except MemoryError:
                result = Crashed(f"ran out of its {memory_mb} MB memory budget")
            except BaseException as exc:  # noqa: BLE001 - report any reader failure as data
                result = Crashed(f"the reader failed: {type(exc).__name__}: {exc}")
            try:
                conn.send((index, result))
            except Exception as exc:  # noqa: BLE001 - e.g. a result that cannot be pickled
                conn.send((index, Crashed(f"its result could not be returned: {exc}")))
            del result
            gc.collect(1)  # what the file left in cycles, while the next file waits in the pipe
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


def _first_line(log: Any) -> str:
    """': memory allocation of 48000000000 bytes failed' from a crashed worker's stderr."""
    try:
        log.seek(0)
        line = log.readline(400).decode("utf-8", errors="replace").strip()
    except (OSError, ValueError):
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
    forked = ctx.get_start_method() == "fork"
    # Spawned workers (not Linux) inherit no file descriptors: their stderr goes by name.
    scratch = None if forked else tempfile.mkdtemp(prefix="planreports-read-")
    workers = max(1, min(workers or os.cpu_count() or 1, len(args) or 1))
    todo: deque[int] = deque(range(len(args)))
    active: dict[Connection, _Worker] = {}
    finished: list[Any] = []  # workers told to stop, joined at the end
    logs: list[Any] = []
    started = 0

    def start() -> _Worker:
        nonlocal started
        started += 1
        parent, child = ctx.Pipe(duplex=True)
        if scratch is None:
            log = tempfile.TemporaryFile()  # noqa: SIM115 - unnamed: nothing left, however we end
            target: int | str = log.fileno()
        else:
            target = os.path.join(scratch, f"worker-{started}.stderr")
            log = open(target, "w+b")  # noqa: SIM115 - closed when the worker is retired
        inherited = [c.fileno() for c in active]
        proc = ctx.Process(
            target=_child,
            args=(child, func, memory_mb, target, os.getpid(), inherited),
            daemon=True,
        )
        proc.start()
        child.close()
        active[parent] = worker = _Worker(proc, parent, log)
        logs.append(log)
        return worker

    def hand_on(worker: _Worker) -> None:
        """Keep the worker two files ahead, or let it go when there are none left."""
        if not todo and not worker.pending:
            # Said, not left to EOF: a later worker forked holding a copy of this pipe's end.
            with contextlib.suppress(OSError):
                worker.conn.send(None)
            del active[worker.conn]
            worker.conn.close()
            finished.append(worker.proc)
            return
        while todo and len(worker.pending) < IN_FLIGHT:
            if not worker.pending:
                worker.deadline = time.monotonic() + timeout
            index = todo.popleft()
            worker.pending.append(index)
            # A worker that died before the job reached it is reported by the next wait().
            with contextlib.suppress(OSError):
                worker.conn.send((index, args[index]))

    def retire(worker: _Worker, reason: str | None) -> Iterator[tuple[int, Any]]:
        """The worker is gone: fail the file it was reading; a fresh worker takes the rest."""
        del active[worker.conn]
        worker.conn.close()
        worker.proc.join(5)
        if worker.pending:
            if reason is None:
                code = worker.proc.exitcode
                said = _first_line(worker.log)
                if code is not None and code < 0:
                    reason = f"the reader crashed ({_signal_name(code)}{said})"
                else:
                    reason = f"the reader stopped unexpectedly (exit code {code}{said})"
            failed = worker.pending.popleft()
            todo.extendleft(reversed(worker.pending))
            yield failed, Crashed(reason)

    try:
        while todo or active:
            while todo and len(active) < workers:
                hand_on(start())
            for conn in wait(list(active), timeout=0.5):
                worker = active[conn]
                try:
                    index, result = conn.recv()
                except (EOFError, OSError):
                    yield from retire(worker, None)
                    continue
                worker.pending.popleft()
                worker.deadline = time.monotonic() + timeout
                hand_on(worker)  # before the caller sees the result, so the worker never idles
                yield index, result
            now = time.monotonic()
            for worker in list(active.values()):
                if worker.pending and now > worker.deadline:
                    worker.proc.kill()
                    yield from retire(worker, f"took longer than its {timeout:.0f} s time budget")
    finally:
        for worker in active.values():
            worker.proc.kill()
            worker.conn.close()
        for proc in finished:
            proc.join(5)
        for log in logs:
            log.close()
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
