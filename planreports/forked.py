"""Run independent jobs in forked worker processes: a build's packs render on every core.

Each job is a plain callable; the workers are forked after the jobs exist, so they inherit
them (and any file descriptor the parent opened for them) without pickling. Only each job's
result, or its exception, comes back through the pool's pipe.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
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
