"""The worker pool that reads each file: exact blame for a crash, budgets, one fork per core."""

from __future__ import annotations

import os
import time

from planreports.read.isolate import Crashed, run_isolated


def _job(arg: tuple[str, int]) -> tuple[int, int]:
    kind, n = arg
    if kind == "abort":
        os.abort()  # what python-calamine does on a hostile shared-strings part
    if kind == "sleep":
        time.sleep(30)
    if kind == "raise":
        raise ValueError(f"bad cell in job {n}")
    if kind == "memory":
        _ = bytearray(400 * 1024 * 1024)  # over the 256 MB budget given below
    return n * 2, os.getpid()


def _run(
    args: list[tuple[str, int]], workers: int = 2, **options: object
) -> dict[int, object]:
    results = dict(run_isolated(_job, args, workers=workers, **options))  # type: ignore[arg-type]
    assert sorted(results) == list(range(len(args)))  # every job answered exactly once
    return results


def test_every_file_is_read_by_one_of_two_long_lived_workers() -> None:
    results = _run([("ok", n) for n in range(40)])
    assert [results[i][0] for i in range(40)] == [n * 2 for n in range(40)]  # type: ignore[index]
    assert len({pid for _, pid in results.values()}) == 2  # type: ignore[misc]


def test_a_crash_fails_that_file_alone_and_a_fresh_worker_reads_the_rest() -> None:
    args = [("ok", n) for n in range(20)]
    args[7] = ("abort", 7)
    results = _run(args, workers=1)  # one worker, so which process read what is certain
    crash = results[7]
    assert isinstance(crash, Crashed)
    assert crash.reason.startswith("the reader crashed (SIGABRT")
    good = {i: r for i, r in results.items() if i != 7}
    assert all(r[0] == i * 2 for i, r in good.items())  # type: ignore[index]
    before = {good[i][1] for i in range(7)}  # type: ignore[index]
    after = {good[i][1] for i in range(8, 20)}  # type: ignore[index]
    assert len(before) == len(after) == 1 and before != after


def test_an_exception_is_that_file_s_failure_and_the_worker_goes_on() -> None:
    results = _run([("ok", 0), ("raise", 1), ("ok", 2)])
    assert results[1] == Crashed("the reader failed: ValueError: bad cell in job 1")
    assert results[2][0] == 4  # type: ignore[index]


def test_time_and_memory_budgets() -> None:
    started = time.monotonic()
    results = _run(
        [("sleep", 0), ("memory", 1), ("ok", 2), ("ok", 3)], timeout=2.0, memory_mb=256
    )
    assert results[0] == Crashed("took longer than its 2 s time budget")
    assert results[1] == Crashed("ran out of its 256 MB memory budget")
    assert results[2][0] == 4 and results[3][0] == 6  # type: ignore[index]
    assert time.monotonic() - started < 10


def test_no_jobs() -> None:
    assert list(run_isolated(_job, [])) == []
