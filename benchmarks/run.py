"""Time the read and write stages against their references, in one run, on one corpus.

Cases (each best of --repeat, wall clock with time.perf_counter, around the call only; the
three read cases are taken in turns, --repeat rounds of each, so that a slow spell of the
machine falls on all of them):

- ours: ``planreports.read.read_inputs(corpus)``, the whole read stage (worker processes,
  fills, merges, header finding, rows), from an interpreter that imported only that; and
  again after importing ``planreports.cli``, as ``planreports build`` calls it;
- floor: python-calamine reading every sheet's values of the same files, one process;
- cores: once a round, a fixed pure-Python job alone and two copies at once, to show what
  the machine's two cores give over one at the time (a read uses both, the floor one);
- naive: ``pandas.read_excel(path, sheet_name=None, header=None, engine="openpyxl")`` for
  every file, concatenated and written to one sheet with ``DataFrame.to_excel``;
- linearity: ours at 1x, 3x and 10x of a base tracker count (time per row at each);
- reconcile: ``planreports.reconcile.reconcile`` over 1x, 3x and 10x rows (a tenth of the
  corpus, three tenths, all of it);
- write: ``render_workbook`` for the board pack of the whole corpus (a register of every
  item), against plain xlsxwriter writing the same cells (read back from the rendered file)
  with no formatting.

Every case runs in a fresh interpreter, so that what one case imports (pandas imports openpyxl
and numpy) cannot make another case's worker processes cheaper than they are in a real run.

Usage: ``python benchmarks/run.py [--trackers 300] [--rows 100] [--repeat 3] [--quick]``.
Prints a table and writes ``benchmarks/results.json`` (not committed; see
results-example.json).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402 - the generator sits beside this script, not in a package

CONFIG = REPO / "config.yaml"
RESULTS = HERE / "results.json"
# Targets from issues 4 and 6.
READ_VS_FLOOR_MAX = 2.5
NAIVE_VS_OURS_MIN = 10.0
WRITE_VS_PLAIN_MAX = 2.0
BUDGET = 60.0  # seconds per case before it stops repeating (set by --budget)


def best_of(repeat: int, func: Callable[[], Any], budget: float | None = None
            ) -> tuple[list[float], Any]:
    """Run `func` up to `repeat` times; every wall-clock time and the last result.

    Another run is not started when it would likely take the case past `budget` seconds, so
    a slow case is measured fewer times instead of holding the whole run up.
    """
    budget = BUDGET if budget is None else budget
    times: list[float] = []
    result: Any = None
    for _ in range(max(1, repeat)):
        if times and sum(times) + times[-1] > budget:
            break
        # The last run's result is dropped before the clock starts: freeing a region's rows
        # is not part of reading them again.
        result = None
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return times, result


def trackers_in(corpus: Path) -> list[Path]:
    return sorted(corpus.glob("*.xlsx"))


# --- the cases (each runs in its own interpreter) ----------------------------------------------

def case_ours(corpus: Path, repeat: int) -> dict[str, Any]:
    """The library call from an interpreter that has imported only what it needs."""
    from planreports.config import load_config
    from planreports.read import read_inputs

    columns = load_config(CONFIG).inputs.columns
    times, result = best_of(repeat, lambda: read_inputs(corpus, columns=columns))
    failed = [f.path for f in result.inputs if f.status != "read"]
    return {"times": times, "files": len(result.inputs), "rows_read": len(result.rows),
            "fills": sum(1 for r in result.rows if r.rag_fill), "failed": failed}


def case_ours_cli(corpus: Path, repeat: int) -> dict[str, Any]:
    """The same call after importing the CLI, as `planreports build` makes it: the CLI's
    imports (openpyxl among them) are inherited by the forked workers."""
    import planreports.cli  # noqa: F401 - imported for its side effect on the workers

    return case_ours(corpus, repeat)


def case_floor(corpus: Path, repeat: int) -> dict[str, Any]:
    from python_calamine import CalamineWorkbook

    paths = trackers_in(corpus)

    def read_all() -> int:
        cells = 0
        for path in paths:
            workbook = CalamineWorkbook.from_path(str(path))
            for name in workbook.sheet_names:
                for row in workbook.get_sheet_by_name(name).to_python():
                    cells += len(row)
        return cells

    times, cells = best_of(repeat, read_all)
    return {"times": times, "files": len(paths), "cells": cells}


def case_naive(corpus: Path, repeat: int) -> dict[str, Any]:
    import pandas as pd

    paths = trackers_in(corpus)
    out_dir = Path(tempfile.mkdtemp(prefix="planreports-bench-naive-"))
    reads: list[float] = []
    writes: list[float] = []
    rows = 0

    def script() -> None:
        nonlocal rows
        start = time.perf_counter()
        frames = []
        for path in paths:
            # header=None: each tracker's first row is a title, so naming columns by it
            # would give every file its own columns; by position they stack.
            sheets = pd.read_excel(path, sheet_name=None, header=None, engine="openpyxl")
            for frame in sheets.values():
                frames.append(frame)
        merged = pd.concat(frames, ignore_index=True)
        mid = time.perf_counter()
        merged.to_excel(out_dir / "rollup.xlsx", sheet_name="Roll-up", index=False)
        writes.append(time.perf_counter() - mid)
        reads.append(mid - start)
        rows = len(merged)

    try:
        times, _ = best_of(repeat, script)
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)
    try:  # which library to_excel used: pandas picks one when io.excel.xlsx.writer is "auto"
        from pandas.io.excel._util import get_default_engine

        engine = get_default_engine("xlsx", mode="writer")
    except (ImportError, TypeError, ValueError):
        engine = str(pd.get_option("io.excel.xlsx.writer"))
    return {"times": times, "read_times": reads, "write_times": writes, "files": len(paths),
            "rows_written": rows, "writer_engine": engine}


def _read_in_process(corpus: Path, config: Any) -> tuple[list[Any], list[Any], list[Any]]:
    """(inputs, rows, findings) of the corpus, read file by file in this process: the same
    function the workers run, for cases that need rows but do not time reading them."""
    from planreports.read import ReadOptions, read_file
    from planreports.read.files import discover

    options = ReadOptions(root=corpus, columns=dict(config.inputs.columns))
    results = [read_file(path, options) for path in discover(corpus)]
    return ([r.input for r in results], [row for r in results for row in r.rows],
            [f for r in results for f in r.findings])


def case_reconcile(corpus: Path, repeat: int) -> dict[str, Any]:
    """reconcile over the first tenth, three tenths and all of the corpus's rows."""
    from planreports.config import load_config
    from planreports.reconcile import reconcile

    config = load_config(CONFIG)
    rows = _read_in_process(corpus, config)[1]
    sizes = []
    times: list[float] = []
    for count in (len(rows) // 10, 3 * len(rows) // 10, len(rows)):
        chosen = rows[:count]
        times, rec = best_of(repeat, lambda chosen=chosen: reconcile(chosen, config))
        sizes.append({"rows": count, "times": times, "seconds": min(times),
                      "us_per_row": min(times) / max(count, 1) * 1e6,
                      "items": len(rec.items), "findings": len(rec.findings),
                      "message_chars": sum(len(f.message) for f in rec.findings)})
    return {"times": times, "sizes": sizes}


def _register_view(corpus: Path) -> Any:
    """The board pack's view of the whole corpus, as a build makes it (with no history)."""
    from planreports.config import load_config
    from planreports.packs import order_items, sort_findings, view_for
    from planreports.reconcile import reconcile

    config = load_config(CONFIG)
    inputs, rows, read_findings = _read_in_process(corpus, config)
    rec = reconcile(rows, config)
    findings = sort_findings([*read_findings, *rec.findings])
    pack = next(p for p in config.packs if not p.committees)
    return view_for(config, pack, order_items(config, rec.items), findings, inputs)


def _cells_of(path: Path) -> list[tuple[str, list[list[Any]]]]:
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(str(path))
    return [(name, workbook.get_sheet_by_name(name).to_python(skip_empty_area=False))
            for name in workbook.sheet_names]


def write_plain(target: Path, sheets: Sequence[tuple[str, list[list[Any]]]]) -> None:
    """The same cells with xlsxwriter and no formatting: the floor for writing."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(target), {
        "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
    })
    for name, values in sheets:
        ws = workbook.add_worksheet(name)
        write_string, write_number, write_datetime = (
            ws.write_string, ws.write_number, ws.write_datetime)
        for r, row in enumerate(values):
            for c, value in enumerate(row):
                if value == "" or value is None:
                    continue
                if isinstance(value, str):
                    write_string(r, c, value)
                elif isinstance(value, bool | int | float):
                    write_number(r, c, value)
                elif isinstance(value, dt.date | dt.datetime | dt.time | dt.timedelta):
                    write_datetime(r, c, value)
                else:
                    write_string(r, c, str(value))
    workbook.close()


def case_write(corpus: Path, repeat: int) -> dict[str, Any]:
    from planreports.render.workbook import render_workbook

    view = _register_view(corpus)
    out_dir = Path(tempfile.mkdtemp(prefix="planreports-bench-write-"))
    try:
        rendered = out_dir / "pack.xlsx"
        ours, _ = best_of(repeat, lambda: render_workbook(view, rendered))
        sheets = _cells_of(rendered)
        plain, _ = best_of(repeat, lambda: write_plain(out_dir / "plain.xlsx", sheets))
        cells = sum(1 for _, values in sheets for row in values for v in row
                    if v not in ("", None))
        size = rendered.stat().st_size
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)
    return {"times": ours, "plain_times": plain, "items": len(view.items),
            "findings": len(view.findings), "cells": cells, "bytes": size,
            "sheets": [name for name, _ in sheets]}


def _spin(_: object = None) -> tuple[float, float, int]:
    """A fixed pure-Python job of about 50 ms: when it started and ended, and where."""
    start = time.perf_counter()
    total = 0
    for i in range(1_500_000):
        total += i
    return start, time.perf_counter(), os.getpid()


def case_cores(corpus: Path, repeat: int) -> dict[str, Any]:
    """What the machine's two cores give at the moment: a fixed job alone, then two copies at
    once in two processes. A read runs on both cores and the floor on one, so the read's
    ratio to the floor moves with this (on a shared host one core can be slower than the
    other for minutes)."""
    import multiprocessing

    single = [end - start for start, end, _ in (_spin() for _ in range(max(3, repeat)))]
    pair: list[float] = []
    with multiprocessing.get_context("fork").Pool(2) as pool:
        pool.map(_spin, range(2))  # both workers up and warm before the clock
        for _ in range(10 * max(3, repeat)):
            spans = pool.map(_spin, range(2), chunksize=1)
            # A pool may hand both jobs to one worker: that pair ran one after the other and
            # says nothing about the second core.
            if spans[0][2] != spans[1][2]:
                pair.append(max(s[1] for s in spans) - min(s[0] for s in spans))
            if len(pair) == max(3, repeat):
                break
    if not pair:
        raise SystemExit("cores: the pool never ran the two jobs in two processes")
    return {"times": single, "pair_times": pair,
            "speedup": 2 * statistics.median(single) / statistics.median(pair)}


CASES: dict[str, Callable[..., dict[str, Any]]] = {
    "ours": case_ours, "ours_cli": case_ours_cli, "floor": case_floor, "naive": case_naive,
    "reconcile": case_reconcile, "write": case_write, "cores": case_cores,
}


# --- the orchestrating run ---------------------------------------------------------------------

def run_case(name: str, corpus: Path, repeat: int) -> dict[str, Any]:
    """One case in a fresh interpreter; its JSON result."""
    command = [sys.executable, str(Path(__file__).resolve()), "--case", name,
               "--corpus", str(corpus), "--repeat", str(repeat), "--budget", str(BUDGET)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO, check=False)
    if done.returncode != 0:
        raise SystemExit(f"case {name} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def interleaved(cases: dict[str, str], corpus: Path, repeat: int) -> dict[str, Any]:
    """The read cases and their floor, taken in turns: `repeat` rounds, each case once per
    round (in its own interpreter, best of `repeat` there). A shared 2-core machine has slow
    spells lasting minutes; in turns, every case meets the same spells, so the ratios between
    them hold even when the absolute times drift."""
    out: dict[str, Any] = {}
    for round_ in range(1, repeat + 1):
        print(f"  round {round_} of {repeat}:", end="", flush=True)
        for name, label in cases.items():
            result = run_case(name, corpus, repeat)
            if name == "cores":
                print(f" two cores gave {result['speedup']:.2f}x one;", end="", flush=True)
                out.setdefault(name, {"speedups": []})["speedups"].append(result["speedup"])
                continue
            print(f" {label.split(':')[0]} {min(result['times']):.3f} s;", end="", flush=True)
            if name in out:
                out[name]["times"] += result["times"]
                out[name]["round_bests"].append(min(result["times"]))
            else:
                out[name] = {**result, "round_bests": [min(result["times"])]}
        print(flush=True)
    return out


def _fmt(seconds: float) -> str:
    return f"{seconds:8.3f}"


def _environment() -> dict[str, Any]:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], capture_output=True, text=True, cwd=REPO,
                              check=False)
        return done.stdout.strip()

    versions = {}
    for package in ("python-calamine", "xlsxwriter", "openpyxl", "pandas"):
        try:
            from importlib.metadata import version

            versions[package] = version(package)
        except Exception:  # noqa: BLE001 - a missing package is shown as such
            versions[package] = "missing"
    return {
        "python": platform.python_version(), "machine": platform.machine(),
        "cores": os.cpu_count(), "load_average_at_start": list(os.getloadavg()),
        "commit": git("rev-parse", "--short", "HEAD"),
        "planreports_dirty": bool(git("status", "--porcelain", "--", "planreports")),
        "versions": versions,
        "date": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
    }


def main(argv: Sequence[str] | None = None) -> int:
    global BUDGET
    args = parse_args(argv)
    BUDGET = args.budget
    if args.case:
        result = CASES[args.case](args.corpus, args.repeat)
        print(json.dumps(result))
        return 0

    trackers = 30 if args.quick and args.trackers is None else (args.trackers or 300)
    repeat = 1 if args.quick and args.repeat is None else (args.repeat or 3)
    rows = args.rows
    base = max(1, trackers // 10)
    started = time.perf_counter()
    env = _environment()
    print(f"corpus: {trackers} trackers x {rows} rows (seed {args.seed}); best of {repeat}; "
          f"{env['cores']} cores; load {env['load_average_at_start'][0]:.2f}", flush=True)
    t0 = time.perf_counter()
    corpus = generate.ensure(trackers, rows, args.seed)
    print(f"  corpus ready in {time.perf_counter() - t0:.1f} s: {corpus}", flush=True)
    sizes = {base: generate.subset(corpus, base), 3 * base: generate.subset(corpus, 3 * base),
             trackers: corpus}
    results: dict[str, Any] = {"environment": env, "corpus": {
        "trackers": trackers, "rows_per_tracker": rows, "rows": trackers * rows,
        "seed": args.seed, "bytes": sum(p.stat().st_size for p in trackers_in(corpus)),
    }, "repeat": repeat}

    def step(label: str, name: str, where: Path) -> dict[str, Any]:
        t = time.perf_counter()
        print(f"  {label} ...", end="", flush=True)
        out = run_case(name, where, repeat)
        print(f" {min(out['times']):.3f} s (best of {len(out['times'])}; case took "
              f"{time.perf_counter() - t:.0f} s)",
              flush=True)
        return out

    results.update(interleaved(
        {"ours": "ours: read_inputs", "ours_cli": "ours, CLI imported first",
         "floor": "floor: python-calamine values", "cores": "cores"}, corpus, repeat))
    results["naive"] = step("naive: pandas read_excel(openpyxl) + to_excel", "naive", corpus)
    linear = []
    for count, where in sorted(sizes.items()):
        out = results["ours"] if count == trackers else step(
            f"linearity: ours at {count} trackers", "ours", where)
        linear.append({"trackers": count, "rows": count * rows, "seconds": min(out["times"]),
                       "us_per_row": min(out["times"]) / (count * rows) * 1e6})
    results["linearity"] = linear
    results["reconcile"] = step("reconcile: 1x, 3x, 10x rows", "reconcile", corpus)["sizes"]
    results["write"] = step("write: render_workbook vs plain xlsxwriter", "write", corpus)

    ours = min(results["ours"]["times"])
    floor = min(results["floor"]["times"])
    naive = min(results["naive"]["times"])
    naive_read = min(results["naive"]["read_times"])
    render = min(results["write"]["times"])
    plain = min(results["write"]["plain_times"])
    # Each round's best against the same round's floor: the machine's slow spells cancel out
    # of these, where the best of all rounds may pair a lucky floor with an unlucky ours.
    paired = {
        name: sorted(a / b for a, b in zip(
            results[name]["round_bests"], results["floor"]["round_bests"], strict=True))
        for name in ("ours", "ours_cli")
    }
    # The same, in round order, beside what two cores gave that round.
    by_round = [
        {"ours_over_floor": a / b, "two_cores_over_one": c}
        for a, b, c in zip(results["ours"]["round_bests"], results["floor"]["round_bests"],
                           results["cores"]["speedups"], strict=True)
    ]
    results["ratios"] = {
        "ours_over_floor": ours / floor,
        "rounds": by_round,
        "ours_over_floor_by_round": paired["ours"],
        "ours_cli_over_floor_by_round": paired["ours_cli"],
        "ours_cli_over_floor": min(results["ours_cli"]["times"]) / floor,
        "naive_over_ours": naive / ours,
        "naive_read_over_ours": naive_read / ours,
        "naive_over_floor": naive / floor,
        "render_over_plain": render / plain,
        "linearity_10x_over_1x_per_row": linear[-1]["us_per_row"] / linear[0]["us_per_row"],
        "reconcile_10x_over_1x_per_row": (results["reconcile"][-1]["us_per_row"]
                                          / results["reconcile"][0]["us_per_row"]),
    }
    results["targets"] = {
        "ours_over_floor_max": READ_VS_FLOOR_MAX, "naive_over_ours_min": NAIVE_VS_OURS_MIN,
        "render_over_plain_max": WRITE_VS_PLAIN_MAX,
        "met": {
            "read_vs_floor": results["ratios"]["ours_over_floor"] <= READ_VS_FLOOR_MAX,
            "read_vs_naive": results["ratios"]["naive_over_ours"] >= NAIVE_VS_OURS_MIN,
            "write_vs_plain": results["ratios"]["render_over_plain"] < WRITE_VS_PLAIN_MAX,
        },
    }
    results["total_seconds"] = time.perf_counter() - started
    print_table(results)
    out_path = args.json or RESULTS
    out_path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {out_path} (whole run {results['total_seconds']:.0f} s)")
    return 0


def print_table(results: dict[str, Any]) -> None:
    corpus = results["corpus"]
    files, rows = corpus["trackers"], corpus["rows"]
    ours, floor, naive = (min(results[k]["times"]) for k in ("ours", "floor", "naive"))
    write = results["write"]
    print(f"\n{'case':<52}{'files':>6}{'rows':>8}{'seconds':>10}")
    print("-" * 76)
    lines = [
        ("ours: read_inputs (workers, fills, merges)", files, rows, ours),
        ("ours, CLI imported first (as `build` runs it)", files, rows,
         min(results["ours_cli"]["times"])),
        ("floor: python-calamine values, one process", files, rows, floor),
        ("naive: pandas read_excel(openpyxl) + to_excel", files, rows, naive),
        ("  of which read_excel", files, rows, min(results["naive"]["read_times"])),
        ("  of which to_excel", files, rows, min(results["naive"]["write_times"])),
    ]
    lines += [(f"linearity: ours ({lin['us_per_row']:.0f} us/row)", lin["trackers"],
               lin["rows"], lin["seconds"]) for lin in results["linearity"]]
    lines += [(f"reconcile ({rec['us_per_row']:.0f} us/row)", "", rec["rows"],
               rec["seconds"]) for rec in results["reconcile"]]
    lines += [
        (f"write: render_workbook ({write['items']} items)", "", write["items"],
         min(write["times"])),
        ("write: plain xlsxwriter, same cells", "", write["items"], min(write["plain_times"])),
    ]
    for label, n_files, n_rows, seconds in lines:
        print(f"{label:<52}{n_files!s:>6}{n_rows!s:>8}{_fmt(seconds):>10}")
    r, t = results["ratios"], results["targets"]
    met = t["met"]
    print()
    print(f"ours / floor        {r['ours_over_floor']:7.2f}x  (target <= {READ_VS_FLOOR_MAX}x: "
          f"{'met' if met['read_vs_floor'] else 'NOT met'}); CLI imported first: "
          f"{r['ours_cli_over_floor']:.2f}x")
    for name, label in (("ours", "ours"), ("ours_cli", "CLI imported first")):
        by_round = r[f"{name}_over_floor_by_round"]
        print(f"  {label}, each round against its own floor: median "
              f"{statistics.median(by_round):.2f}x, from {by_round[0]:.2f}x to "
              f"{by_round[-1]:.2f}x over {len(by_round)} rounds")
    print("  by round, ours / floor (what two cores gave over one that round): " + "; ".join(
        f"{x['ours_over_floor']:.2f}x ({x['two_cores_over_one']:.2f}x)" for x in r["rounds"]))
    print(f"naive / ours        {r['naive_over_ours']:7.2f}x  (target >= {NAIVE_VS_OURS_MIN}x: "
          f"{'met' if met['read_vs_naive'] else 'NOT met'}); read_excel alone / ours "
          f"{r['naive_read_over_ours']:.2f}x; naive / floor {r['naive_over_floor']:.1f}x")
    print(f"render / plain      {r['render_over_plain']:7.2f}x  (target < {WRITE_VS_PLAIN_MAX}x: "
          f"{'met' if met['write_vs_plain'] else 'NOT met'})")
    print(f"per-row time 10x/1x {r['linearity_10x_over_1x_per_row']:7.2f}   (1.0 = linear; "
          f"reconcile {r['reconcile_10x_over_1x_per_row']:.2f})")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trackers", type=int, default=None,
                        help="trackers in the full corpus (default 300; 30 with --quick)")
    parser.add_argument("--rows", type=int, default=generate.DEFAULT_ROWS,
                        help="data rows per tracker (default 100)")
    parser.add_argument("--repeat", type=int, default=None,
                        help="best of N runs per case (default 3; 1 with --quick)")
    parser.add_argument("--seed", type=int, default=generate.DEFAULT_SEED)
    parser.add_argument("--budget", type=float, default=BUDGET,
                        help="seconds a case may spend before it stops repeating (default 60)")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: 30 trackers, each case once")
    parser.add_argument("--json", type=Path, default=None,
                        help="where to write the results (default benchmarks/results.json)")
    # Internal: run one case in this interpreter and print its JSON.
    parser.add_argument("--case", choices=sorted(CASES), help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


if __name__ == "__main__":
    raise SystemExit(main())
