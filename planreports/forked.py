"""Run independent jobs in forked worker processes: a build's packs render on every core.

Each job is a plain callable; the workers are forked after the jobs exist, so they inherit
them (and any file descriptor the parent opened for them) without pickling. Only each job's
result, or its exception, comes back through the pool's pipe.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import gc
import multiprocessing
import os
import pickle
import signal
import socket
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.reduction import recvfds, sendfds
from pathlib import Path
from typing import Any, TypeVar

from planreports.errors import RenderError

T = TypeVar("T")
PR_SET_PDEATHSIG = 1  # linux/prctl.h
_JOBS: Sequence[Callable[[], Any]] = ()  # what the forked workers run, by index


def die_with_parent(parent: int) -> None:
    """Ask the kernel to kill this process when `parent` dies (Linux); exit if it has."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)


def _run(index: int) -> Any:
    return _JOBS[index]()


def _start_worker(parent: int) -> None:
    """A worker dies with the build, and writes nothing to the terminal: a progress bar's
    thread may have held the parent's stream lock at the fork, and the child's copy of that
    lock would never be released (jobs report through their results)."""
    die_with_parent(parent)
    sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - for the worker's life
    # What the worker inherited lives as long as it does: out of the collector's sight, it
    # is not walked by every full collection (a region's items and findings, 4 s of 29).
    gc.freeze()


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def run_all(jobs: Sequence[Callable[[], T]], workers: int | None = None) -> list[T]:
    """Every job's result, in order; the first job's exception is raised as it was.

    Runs in this process where forking would not pay: one job, one core, or no fork (the
    platform has none)."""
    global _JOBS
    workers = min(workers or cores(), len(jobs))
    if workers < 2 or not sys.platform.startswith("linux"):
        return [job() for job in jobs]
    _JOBS = jobs
    try:
        with ProcessPoolExecutor(
            workers, mp_context=multiprocessing.get_context("fork"),
            initializer=_start_worker, initargs=(os.getpid(),),
        ) as pool:
            futures = [pool.submit(_run, i) for i in range(len(jobs))]
            return [future.result() for future in futures]
    except BrokenProcessPool as exc:
        raise RenderError(
            "a worker process writing the packs died (out of memory, or killed); nothing was "
            "changed, the previous outputs are kept"
        ) from exc
    finally:
        _JOBS = ()


class Host:
    """A process forked at the start of a build that loads what the jobs will need (the
    render libraries: a fifth of a second) on the other core while the build reads; given
    the jobs later, it runs them as `run_all` does, in workers forked from itself.

    The jobs travel pickled, and the files they write as file descriptors (SCM_RIGHTS): a
    staged output is an unnamed file, which exists only as the parent's descriptor. The host
    dies with the build, and ends by itself when the build closes it without jobs."""

    def __init__(self, prepare: Callable[[], object]) -> None:
        self._sock, theirs = socket.socketpair()
        parent = os.getpid()
        self.pid = os.fork()
        if self.pid == 0:  # the host
            code = 1
            try:
                self._sock.close()
                _start_worker(parent)
                _serve(theirs, prepare)
                code = 0
            finally:
                os._exit(code)
        theirs.close()

    def run_all(self, jobs: Sequence[Callable[[Path], T]], paths: Sequence[str],
                fds: Sequence[int]) -> list[T]:
        """`job(path)` for each job, in order, in the host's workers; `paths` are where the
        parent would write, fd N's /proc/self/fd/N re-pointed at the host's copy of it."""
        try:
            payload = pickle.dumps((list(jobs), list(paths), list(fds)))
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            self.close()
            raise RenderError(f"the packs could not be handed to the render process: {exc}"
                              ) from exc
        try:
            self._sock.sendall(len(payload).to_bytes(8, "big") + len(fds).to_bytes(4, "big"))
            for start in range(0, len(fds), FDS_PER_MESSAGE):
                sendfds(self._sock, list(fds[start:start + FDS_PER_MESSAGE]))
            self._sock.sendall(payload)
            ok, value = pickle.loads(_receive(self._sock, _size(self._sock)))
        except (OSError, EOFError, pickle.PickleError) as exc:
            raise RenderError(
                "the process writing the packs died (out of memory, or killed); nothing was "
                "changed, the previous outputs are kept"
            ) from exc
        finally:
            self.close()
        if not ok:
            raise value
        return value

    def close(self) -> None:
        """End the host (at once, if it was given no jobs) and reap it."""
        if self.pid:
            self._sock.close()
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
            self.pid = 0


def start_host(prepare: Callable[[], object]) -> Host | None:
    """A `Host` where one pays: Linux (fork, /proc), more than one core."""
    if not sys.platform.startswith("linux") or cores() < 2:
        return None
    try:
        return Host(prepare)
    except OSError:  # no process or socket to spare: the packs are written without it
        return None


FDS_PER_MESSAGE = 200  # the kernel takes at most 253 descriptors in one message


def _size(sock: socket.socket) -> int:
    return int.from_bytes(_receive(sock, 8), "big")


def _receive(sock: socket.socket, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = sock.recv(min(left, 1 << 20))
        if not chunk:
            raise EOFError("the other end closed")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _serve(sock: socket.socket, prepare: Callable[[], object]) -> None:
    """The host's life: prepare, wait for the jobs, run them, send back their results."""
    with contextlib.suppress(Exception):  # a job that needs what failed to load says why
        prepare()
    try:
        head = _receive(sock, 12)
    except (OSError, EOFError):
        return  # closed without jobs: the build ended before writing
    size, count = int.from_bytes(head[:8], "big"), int.from_bytes(head[8:], "big")
    mine: list[int] = []
    while len(mine) < count:
        mine.extend(recvfds(sock, min(FDS_PER_MESSAGE, count - len(mine))))
    jobs, paths, theirs = pickle.loads(_receive(sock, size))
    local = {f"/proc/self/fd/{fd}": f"/proc/self/fd/{own}"
             for fd, own in zip(theirs, mine, strict=True)}
    bound = [functools.partial(job, Path(local.get(path, path)))
             for job, path in zip(jobs, paths, strict=True)]
    try:
        reply = (True, run_all(bound))
    except BaseException as exc:  # noqa: BLE001 - every failure goes back to the build
        reply = (False, exc)
    try:
        payload = pickle.dumps(reply)
    except Exception:  # noqa: BLE001 - an exception that cannot be pickled: its words can
        payload = pickle.dumps((False, RenderError(str(reply[1]))))
    sock.sendall(len(payload).to_bytes(8, "big") + payload)
