"""Where the read stage's time goes: its parts timed alone, then cProfile of one worker's work.

The benchmark (run.py) says how fast the read stage is; this says why. On one corpus it times,
in this process and without a profiler (best of --repeat):

- the floor (python-calamine values), and a worker's whole job (``read_file``) file by file;
- the parts of that job: sha256 + sniff, ``read_xlsx`` (and inside it the package: zip
  directory, safety checks, workbook/styles/theme/sheet parts), the RAG column's fills,
  ``find_header``, ``rows_from_grid``, and pickling the answer as workers send it;
- what the parent pays to receive the results: unpickling every answer and rebuilding rows;

then prints cProfile's top functions for ``read_file`` over every file (cumulative and own
time). Worker processes are left out on purpose: the parts are what each worker runs, and the
parent's share is measured directly.

Usage: ``python benchmarks/profile_read.py [--corpus DIR] [--repeat 3] [--top 30]``
(default corpus: benchmarks/corpus/300x100, generated if missing).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pickle
import pstats
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402 - the generator sits beside this script, not in a package


def best(repeat: int, func: Callable[[], Any]) -> float:
    times = []
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def parts(corpus: Path, repeat: int) -> list[tuple[str, float]]:
    """(label, seconds) for the floor, the worker's whole job and its parts, the parent's."""
    from python_calamine import CalamineWorkbook

    from planreports.config import load_config
    from planreports.read import ReadOptions, _from_wire, _read_one, read_file
    from planreports.read import xlsx as reader
    from planreports.read.files import discover, sha256_of, sniff
    from planreports.read.header import find_header, synonym_table
    from planreports.read.package import Package
    from planreports.read.styles import style_table
    from planreports.read.table import rows_from_grid

    config = load_config(generate.CONFIG)
    options = ReadOptions(root=corpus, columns=dict(config.inputs.columns))
    table = synonym_table(config.inputs.columns)
    paths = discover(corpus)

    def floor() -> None:
        for path in paths:
            workbook = CalamineWorkbook.from_path(str(path))
            for name in workbook.sheet_names:
                workbook.get_sheet_by_name(name).to_python()

    # Workers read each tracker into memory once and parse it from there (read_file): the
    # parts below do the same, so they time the route the workers take.
    contents = [path.read_bytes() for path in paths]

    def package() -> None:
        style_table.cache_clear()  # as a worker meeting each template for the first time
        for data in contents:
            with Package(data) as opened:
                reader._book(opened)

    grids = [reader.read_xlsx(data) for data in contents]
    headers = [[find_header(g.values, table) for g in file_grids] for file_grids in grids]
    answers = [_read_one(options, str(path)) for path in paths]
    blobs = [pickle.dumps(a, protocol=pickle.HIGHEST_PROTOCOL) for a in answers]

    def fills() -> None:
        for file_grids, file_headers in zip(grids, headers, strict=True):
            for grid, header in zip(file_grids, file_headers, strict=True):
                if header and "rag" in header.columns:
                    grid.fills_in_column(header.columns["rag"])

    return [
        ("floor: python-calamine values", best(repeat, floor)),
        ("read_file, the whole job of the workers", best(
            repeat, lambda: [read_file(p, options) for p in paths])),
        ("  sha256 + sniff", best(repeat, lambda: [(sha256_of(p), sniff(p)) for p in paths])),
        ("  read_xlsx (values, merges, fills)", best(
            repeat, lambda: [reader.read_xlsx(data) for data in contents])),
        ("    the package: zip, checks, workbook, styles, sheet parts", best(repeat, package)),
        ("  fills of the RAG column", best(repeat, fills)),
        ("  find_header, every sheet", best(
            repeat, lambda: [[find_header(g.values, table) for g in gs] for gs in grids])),
        ("  rows_from_grid, every tracker sheet", best(repeat, lambda: [
            [rows_from_grid(g, h, "f") for g, h in zip(gs, hs, strict=True) if h]
            for gs, hs in zip(grids, headers, strict=True)])),
        ("  pickling the answers (as workers send them)", best(repeat, lambda: [
            pickle.dumps(a, protocol=pickle.HIGHEST_PROTOCOL) for a in answers])),
        ("parent: unpickle every answer, rebuild rows", best(
            repeat, lambda: [_from_wire(*pickle.loads(b)) for b in blobs])),
    ]


def profile(corpus: Path, top: int) -> str:
    from planreports.config import load_config
    from planreports.read import ReadOptions, read_file
    from planreports.read.files import discover

    config = load_config(generate.CONFIG)
    options = ReadOptions(root=corpus, columns=dict(config.inputs.columns))
    paths = discover(corpus)
    read_file(paths[0], options)  # first-call costs (codec lookups, caches) out of the profile
    profiler = cProfile.Profile()
    profiler.enable()
    for path in paths:
        read_file(path, options)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top // 2)
    return out.getvalue()


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=None,
                        help="a corpus folder (default benchmarks/corpus/300x100)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--top", type=int, default=30, help="functions listed by cProfile")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    corpus = args.corpus or generate.ensure(generate.DEFAULT_TRACKERS, generate.DEFAULT_ROWS)
    measured = parts(corpus, args.repeat)
    floor = measured[0][1]
    files = len(list(corpus.glob("*.xlsx")))
    print(f"{corpus}: {files} files, best of {args.repeat}, one process\n")
    print(f"{'part':<48}{'seconds':>9}{'ms/file':>9}{'x floor':>9}")
    for label, seconds in measured:
        print(f"{label:<48}{seconds:9.3f}{seconds / files * 1e3:9.2f}{seconds / floor:9.2f}")
    print()
    print(profile(corpus, args.top))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
