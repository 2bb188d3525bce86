"""Whole-process timings of `planreports build`, side by side in one run (issue 17).

Figures, each the wall clock of a fresh process from start to exit, with its CPU time and
peak memory (GNU time's, falling back to `os.wait4`'s: the process's own use and that of the
processes it waited for, its read workers; the peak is the largest single process's, not
their sum):

- trust: `planreports build -c config.yaml` on a copy of the repo's sample working folder,
  median of --trust-runs (target <= 0.8 s);
- region: `planreports build -c config.yaml` on the region working folder of --trackers
  trackers over --orgs organisations (generate.py --organisations), taken in turns with the
  naive script, run.py's `naive` case in a fresh interpreter (pandas `read_excel` of every
  tracker, `to_excel` of one sheet), median of --region-runs each (target ours / naive
  <= 0.5);
- per row: the region build at each of --sizes trackers up to --max (default 30, 300 and
  3,000: 300,000 rows), time per row at each (target: flat within +-15 %);
- peak memory of every build above.

Every build starts with the working folder's outputs/ removed, so each is a first build of
the period (history written, nothing to compare with). What a build prints goes to a log
file beside the results, not a terminal; its size is reported.

Usage: ``python benchmarks/build.py [--max 3000] [--timeout 1800] [--no-organisations]``.
Prints a table and writes ``benchmarks/build-results.json`` (not committed).
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402 - the benchmark scripts sit side by side, not in a package
import region  # noqa: E402
import run  # noqa: E402 - for its naive case and the environment record

RESULTS = HERE / "build-results.json"
LOGS = HERE / "corpus" / "build-logs"
TRUST_MAX_SECONDS = 0.8
REGION_OVER_NAIVE_MAX = 0.5
PER_ROW_SPREAD = 0.15
DEFAULT_SIZES = (30, 300, 3000)
GNU_TIME = "/usr/bin/time" if Path("/usr/bin/time").is_file() else None


def planreports_command() -> str:
    beside = Path(sys.executable).parent / "planreports"
    found = str(beside) if beside.exists() else shutil.which("planreports")
    if not found:
        raise SystemExit("planreports is not installed: run `make .venv/.installed` first")
    return found


def timed(command: Sequence[str], cwd: Path, timeout: float, log: Path) -> dict[str, Any]:
    """Run `command` in `cwd` as a fresh process (its own session, so a timeout stops its
    workers too); wall clock, CPU and peak memory of it and the processes it waited for.

    The peak is what GNU time reports for its child: Linux carries a process's peak RSS
    across exec, so a build started straight from this script would report this script's
    own size when that is larger; time's is a couple of MB."""
    log.parent.mkdir(parents=True, exist_ok=True)
    usage_file = log.with_suffix(".rusage")
    wrapper = [GNU_TIME, "-f", "%M %U %S", "-o", str(usage_file)] if GNU_TIME else []
    with log.open("wb") as out:
        start = time.perf_counter()
        child = subprocess.Popen([*wrapper, *command], cwd=cwd, stdout=out,
                                 stderr=subprocess.STDOUT, start_new_session=True)
        stopped = threading.Event()

        def stop() -> None:
            stopped.set()
            with contextlib.suppress(ProcessLookupError):  # it ended as the timer fired
                os.killpg(child.pid, 9)  # the group of the build this function started

        timer = threading.Timer(timeout, stop)
        timer.start()
        try:
            _, status, usage = os.wait4(child.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    cpu, max_rss_kb = usage.ru_utime + usage.ru_stime, usage.ru_maxrss
    if GNU_TIME and usage_file.is_file() and not stopped.is_set():
        # time writes a "Command exited with non-zero status" line first when it did
        fields = usage_file.read_text().split("\n")[-2].split()
        max_rss_kb, cpu = int(fields[0]), float(fields[1]) + float(fields[2])
    return {
        "command": f"cd {shlex.quote(str(cwd))} && {shlex.join(command)}",
        "seconds": seconds, "cpu_seconds": cpu, "max_rss_mb": max_rss_kb / 1024,
        "returncode": child.returncode, "timed_out": stopped.is_set(),
        "printed_bytes": log.stat().st_size, "log": str(log),
    }


def _fresh(folder: Path) -> None:
    shutil.rmtree(folder / "outputs", ignore_errors=True)


def build_once(folder: Path, config: str, timeout: float, log: Path) -> dict[str, Any]:
    _fresh(folder)
    result = timed([planreports_command(), "build", "-c", config], folder, timeout, log)
    if result["returncode"] != 0 and not result["timed_out"]:
        tail = log.read_text(errors="replace")[-3000:]
        hint = ("\n(the code here does not know `organisations:` yet: run with "
                "--no-organisations)" if "organisations" in tail and config ==
                region.CONFIG_WITH else "")
        raise SystemExit(f"build failed ({result['command']}):\n{tail}{hint}")
    run_json = next((folder / "outputs").glob("*/run.json"), None)
    if run_json is not None:
        data = json.loads(run_json.read_text())
        result["items"] = len(data["items"])
        result["findings"] = len(data["findings"])
        result["outputs"] = len(data["outputs"])
    return result


def naive_once(corpus: Path, timeout: float, log: Path) -> dict[str, Any]:
    """run.py's naive case in a fresh interpreter, timed as a whole process like a build."""
    command = [sys.executable, str(HERE / "run.py"), "--case", "naive", "--corpus",
               str(corpus), "--repeat", "1"]
    result = timed(command, REPO, timeout, log)
    if result["returncode"] != 0:
        raise SystemExit(f"naive script failed:\n{log.read_text(errors='replace')[-3000:]}")
    inside = json.loads(log.read_text().strip().splitlines()[-1])
    result["inside_seconds"] = inside["times"][0]
    result["inside_read_seconds"] = inside["read_times"][0]
    result["inside_write_seconds"] = inside["write_times"][0]
    result["rows_written"] = inside["rows_written"]
    return result


def _median(runs: list[dict[str, Any]], key: str = "seconds") -> float:
    return statistics.median(r[key] for r in runs)


def _summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    done = [r for r in runs if not r["timed_out"]]
    return {
        "runs": runs, "command": runs[0]["command"], "timed_out": len(done) < len(runs),
        "median_seconds": _median(done) if done else None,
        "median_cpu_seconds": _median(done, "cpu_seconds") if done else None,
        "max_rss_mb": max(r["max_rss_mb"] for r in runs),
        "stopped_after_seconds": None if done else runs[0]["seconds"],
    }


# --- the figures ---------------------------------------------------------------------------------

def trust_case(runs: int, timeout: float, pdf: bool = False) -> dict[str, Any]:
    """The sample working folder, copied so that repeated builds leave the repo alone.

    The sample config asks for the board-portal PDFs (issue 20), which LibreOffice makes in
    seconds; issue 17's figure is the build without them (`outputs.pdf: false`), and the
    build with them is timed as a figure of its own."""
    with tempfile.TemporaryDirectory(prefix="planreports-bench-trust-") as tmp:
        folder = Path(tmp)
        text = (REPO / "config.yaml").read_text("utf-8")
        if not pdf:
            text = text.replace("\n  pdf: true", "\n  pdf: false", 1)
        (folder / "config.yaml").write_text(text, "utf-8")
        for name in ("inputs", "templates"):
            shutil.copytree(REPO / name, folder / name)
        done = []
        for n in range(runs):
            print(f"  trust build {n + 1} of {runs} ...", end="", flush=True)
            result = build_once(folder, "config.yaml", timeout, LOGS / "trust.log")
            print(f" {result['seconds']:.2f} s, {result['max_rss_mb']:.0f} MB", flush=True)
            done.append(result)
    out = _summary(done)
    out["command"] = (f"cd <a copy of the repo's config.yaml (outputs.pdf: "
                      f"{str(pdf).lower()}), inputs/, templates/> && "
                      f"{shlex.join([planreports_command(), 'build', '-c', 'config.yaml'])}")
    return out


def region_case(folder: Path, corpus: Path, config: str, runs: int, timeout: float
                ) -> dict[str, Any]:
    """Ours and the naive script in turns, so that a slow spell falls on both."""
    ours, naive = [], []
    for n in range(runs):
        print(f"  region round {n + 1} of {runs}: build ...", end="", flush=True)
        result = build_once(folder, config, timeout, LOGS / f"region-{folder.name}.log")
        ours.append(result)
        shown = "stopped" if result["timed_out"] else "took"
        print(f" {shown} {result['seconds']:.1f} s ({result['max_rss_mb']:.0f} MB); naive ...",
              end="", flush=True)
        plain = naive_once(corpus, timeout, LOGS / "naive.log")
        naive.append(plain)
        print(f" {plain['seconds']:.1f} s ({plain['max_rss_mb']:.0f} MB)", flush=True)
        if result["timed_out"]:
            break
    ours_summary, naive_summary = _summary(ours), _summary(naive)
    naive_summary["median_inside_seconds"] = _median(naive, "inside_seconds")
    ratio = (ours_summary["median_seconds"] / naive_summary["median_seconds"]
             if ours_summary["median_seconds"] else None)
    return {"folder": str(folder), "ours": ours_summary, "naive": naive_summary,
            "ours_over_naive": ratio,
            "ours_over_naive_inside": (ours_summary["median_seconds"]
                                       / naive_summary["median_inside_seconds"]
                                       if ours_summary["median_seconds"] else None)}


def scaling_case(folders: dict[int, Path], rows: int, config: str, runs: int, timeout: float,
                 known: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """Time per row of the region build at each size; a size past a timeout is not tried."""
    sizes = []
    for trackers, folder in sorted(folders.items()):
        if trackers in known:
            summary = known[trackers]
        else:
            done = []
            for n in range(runs):
                print(f"  per row: {trackers} trackers, build {n + 1} of {runs} ...", end="",
                      flush=True)
                result = build_once(folder, config, timeout,
                                    LOGS / f"scaling-{folder.name}.log")
                print(f" {'stopped after' if result['timed_out'] else 'took'} "
                      f"{result['seconds']:.1f} s ({result['max_rss_mb']:.0f} MB)", flush=True)
                done.append(result)
                if result["timed_out"]:
                    break
            summary = _summary(done)
        seconds = summary["median_seconds"]
        sizes.append({"trackers": trackers, "rows": trackers * rows, "folder": str(folder),
                      **summary,
                      "us_per_row": seconds / (trackers * rows) * 1e6 if seconds else None})
        if seconds is None:
            print(f"  per row: stopping at {trackers} trackers (timed out after {timeout:.0f} s)")
            break
    measured = [s for s in sizes if s["us_per_row"] is not None]
    middle = statistics.median(s["us_per_row"] for s in measured) if measured else None
    for s in measured:
        s["over_median"] = s["us_per_row"] / middle
    # What each step up in size cost per added row: a cost that grows with the corpus shows
    # here even while fixed start-up costs still dominate the small sizes' per-row figures.
    for low, high in zip(measured, measured[1:], strict=False):
        high["marginal_us_per_row"] = ((high["median_seconds"] - low["median_seconds"])
                                       / (high["rows"] - low["rows"]) * 1e6)
    flat = (len(measured) == len(sizes) and len(measured) > 1
            and all(abs(s["over_median"] - 1) <= PER_ROW_SPREAD for s in measured))
    return {"sizes": sizes, "flat": flat, "median_us_per_row": middle}


# --- the run ---------------------------------------------------------------------------------

def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    config = region.CONFIG_WITHOUT if args.no_organisations else region.CONFIG_WITH
    org_packs = None if args.org_packs == "all" else int(args.org_packs)
    scaled = {s for s in args.sizes if s <= args.max} if "scaling" not in args.skip else set()
    sizes = sorted(scaled | ({args.trackers} if "region" not in args.skip else set()))
    env = run._environment()
    # As an installed package is: compiled. Without this, where PYTHONDONTWRITEBYTECODE is set
    # (as on the machines here), every build would compile planreports again.
    compileall.compile_dir(str(REPO / "planreports"), quiet=1)
    print(f"whole-process builds: {env['cores']} cores, load {env['load_average_at_start'][0]:.2f}"
          f", commit {env['commit']}{' (planreports changed)' if env['planreports_dirty'] else ''}"
          f"; config {config}", flush=True)
    results: dict[str, Any] = {"environment": env, "config": config, "timeout": args.timeout}
    if "trust" not in args.skip:
        results["trust"] = trust_case(args.trust_runs, args.timeout)
        results["trust_with_pdf"] = trust_case(max(args.trust_runs // 2, 1), args.timeout,
                                               pdf=True)

    biggest = max(sizes) if sizes else args.trackers
    t0 = time.perf_counter()
    full = generate.ensure(biggest, args.rows, args.seed)
    flat = {n: full if n == biggest else generate.subset(full, n) for n in sizes}
    folders = {n: region.ensure_region(flat[n], None, args.orgs, org_packs) for n in sizes}
    print(f"  corpora ready in {time.perf_counter() - t0:.1f} s: "
          + ", ".join(str(f) for f in folders.values()), flush=True)
    results["region_truth"] = {n: json.loads((f / region.TRUTH).read_text())["total_items"]
                               for n, f in folders.items()}
    known: dict[int, dict[str, Any]] = {}
    if "region" not in args.skip:
        results["region"] = region_case(folders[args.trackers], flat[args.trackers], config,
                                        args.region_runs, args.timeout)
        results["region"]["trackers"] = args.trackers
        results["region"]["rows"] = args.trackers * args.rows
        known[args.trackers] = results["region"]["ours"]
    if "scaling" not in args.skip:
        wanted = {n: f for n, f in folders.items() if n in args.sizes and n <= args.max}
        results["scaling"] = scaling_case(wanted, args.rows, config, args.scale_runs,
                                          args.timeout, known)
    results["targets"] = _verdicts(results)
    results["total_seconds"] = time.perf_counter() - started
    print_table(results)
    out = args.json or RESULTS
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {out} (whole run {results['total_seconds']:.0f} s; build logs in {LOGS})")
    return 0


def _verdicts(results: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"trust_max_seconds": TRUST_MAX_SECONDS,
                           "region_over_naive_max": REGION_OVER_NAIVE_MAX,
                           "per_row_spread": PER_ROW_SPREAD, "met": {}}
    if "trust" in results:
        out["met"]["trust"] = (results["trust"]["median_seconds"] or 1e9) <= TRUST_MAX_SECONDS
    if "region" in results:
        ratio = results["region"]["ours_over_naive"]
        out["met"]["region"] = ratio is not None and ratio <= REGION_OVER_NAIVE_MAX
    if "scaling" in results:
        out["met"]["per_row_flat"] = results["scaling"]["flat"]
    return out


def _secs(value: float | None, stopped: float | None = None) -> str:
    if value is None:
        return f"> {stopped:.0f} (stopped)" if stopped else "-"
    return f"{value:.2f}"


def print_table(results: dict[str, Any]) -> None:
    print(f"\n{'figure':<46}{'rows':>9}{'seconds':>16}{'CPU s':>9}{'peak MB':>9}")
    print("-" * 89)

    def line(label: str, rows: Any, summary: dict[str, Any]) -> None:
        cpu = summary["median_cpu_seconds"]
        print(f"{label:<46}{rows!s:>9}"
              f"{_secs(summary['median_seconds'], summary['stopped_after_seconds']):>16}"
              f"{(f'{cpu:.2f}' if cpu is not None else '-'):>9}"
              f"{summary['max_rss_mb']:>9.0f}")

    if "trust" in results:
        trust = results["trust"]
        line(f"trust: sample folder, median of {len(trust['runs'])}", "", trust)
    if "trust_with_pdf" in results:
        with_pdf = results["trust_with_pdf"]
        line(f"trust with PDFs (LibreOffice), median of {len(with_pdf['runs'])}", "", with_pdf)
    if "region" in results:
        reg = results["region"]
        line(f"region: {reg['trackers']} trackers, median of {len(reg['ours']['runs'])}",
             reg["rows"], reg["ours"])
        line(f"naive script, median of {len(reg['naive']['runs'])}", reg["rows"], reg["naive"])
        print(f"{'  of which inside the script (no start-up)':<46}{'':>9}"
              f"{reg['naive']['median_inside_seconds']:>16.2f}")
    if "scaling" in results:
        for s in results["scaling"]["sizes"]:
            per = f"{s['us_per_row']:.0f} us/row" if s["us_per_row"] else "unfinished"
            line(f"per row: {s['trackers']} trackers ({per})", s["rows"], s)
    met = results["targets"]["met"]
    print()
    if "trust" in results:
        print(f"trust median        {_secs(results['trust']['median_seconds'])} s  (target <= "
              f"{TRUST_MAX_SECONDS} s: {'met' if met['trust'] else 'NOT met'})")
    if "region" in results:
        reg = results["region"]
        ratio = reg["ours_over_naive"]
        shown = f"{ratio:.2f}x" if ratio is not None else "unfinished"
        inside = reg["ours_over_naive_inside"]
        print(f"region / naive      {shown}  (target <= {REGION_OVER_NAIVE_MAX}x: "
              f"{'met' if met['region'] else 'NOT met'}); against the naive script's own "
              f"timing without start-up: {f'{inside:.2f}x' if inside else '-'}")
    if "scaling" in results:
        sc = results["scaling"]
        parts = [f"{s['trackers']}: {s['over_median']:.2f}" for s in sc["sizes"]
                 if s.get("over_median")]
        marginal = [f"{s['trackers']}: {s['marginal_us_per_row']:.0f} us"
                    for s in sc["sizes"] if "marginal_us_per_row" in s]
        print(f"per row / median    {', '.join(parts) or '-'}  (target within "
              f"+-{PER_ROW_SPREAD:.0%}: {'met' if met['per_row_flat'] else 'NOT met'}); "
              f"marginal cost per added row: {', '.join(marginal) or '-'}")


def _sizes(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trust-runs", type=int, default=7, help="sample builds (default 7)")
    parser.add_argument("--region-runs", type=int, default=3,
                        help="region builds and naive scripts, in turns (default 3)")
    parser.add_argument("--scale-runs", type=int, default=1,
                        help="builds at each other size for the per-row figure (default 1)")
    parser.add_argument("--trackers", type=int, default=300,
                        help="trackers in the region figure (default 300)")
    parser.add_argument("--rows", type=int, default=generate.DEFAULT_ROWS,
                        help="rows a tracker (default 100)")
    parser.add_argument("--orgs", type=int, default=10, help="organisations (default 10)")
    parser.add_argument("--org-packs", default=str(region.DEFAULT_ORG_PACKS), metavar="K|all",
                        help="organisations with a pack of their own (default 3, and the "
                             "one with no tracker)")
    parser.add_argument("--sizes", type=_sizes, default=list(DEFAULT_SIZES),
                        help="tracker counts for the per-row figure (default 30,300,3000)")
    parser.add_argument("--max", type=int, default=max(DEFAULT_SIZES),
                        help="largest tracker count built (default 3000; 3,000 trackers "
                             "take about a minute to generate and 300,000 rows to build)")
    parser.add_argument("--timeout", type=float, default=1800.0,
                        help="seconds before a build is stopped and reported as such (default "
                             "1800); larger sizes are then not tried")
    parser.add_argument("--seed", type=int, default=generate.DEFAULT_SEED)
    parser.add_argument("--no-organisations", action="store_true",
                        help=f"build {region.CONFIG_WITHOUT} (no organisations block), for code "
                             "that does not know the block")
    parser.add_argument("--skip", default="", type=lambda s: set(s.split(",")) - {""},
                        help="figures to leave out: trust,region,scaling")
    parser.add_argument("--json", type=Path, default=None,
                        help="where to write the results (default benchmarks/build-results.json)")
    return parser.parse_args(argv)


if __name__ == "__main__":
    raise SystemExit(main())
