"""Generate a region-scale corpus of tracker workbooks for the read and write benchmarks.

Each tracker is one trust's return against the plan in config.yaml, laid out the way the
sample returns are (scripts/make_sample_inputs.py): title rows above the header, the
Priority cell merged down its group, columns Priority, RAG, Project Title, Progress Update,
Lead, Due date, and a "RAG Key" sheet to skip. RAG cells are filled red, amber or green with
the word; about a fifth carry the fill only, with blank text, so the reader has to take the
status from the colour. Priorities and workstreams (titles or their aliases) come from the
config, so the rows reconcile.

Files are written with xlsxwriter, in parallel, and are deterministic: tracker i depends only
on (seed, i, rows), so a 30-tracker corpus is the first 30 files of a 300-tracker one.

Usage: ``python benchmarks/generate.py [--trackers 300] [--rows 100] [--out DIR] [--seed 7]``
(default out: ``benchmarks/corpus/<trackers>x<rows>/``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import random
import shutil
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter
import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CONFIG = REPO / "config.yaml"
CORPUS = HERE / "corpus"
MANIFEST = "manifest.json"
DEFAULT_TRACKERS = 300
DEFAULT_ROWS = 100
DEFAULT_SEED = 7
FIXED_TIME = dt.datetime(2017, 10, 6, 9, 0, 0)  # document properties: same bytes every run

HEADERS = ("Priority", "RAG", "Project Title", "Progress Update", "Lead", "Due date")
WIDTHS = (32, 10, 36, 90, 28, 14)
# Excel's standard palette, which is what people pick from the fill button.
RAG_WORDS = {"R": "Red", "A": "Amber", "G": "Green"}
RAG_FILLS = {"R": "#FF0000", "A": "#FFC000", "G": "#00B050"}
RAG_WEIGHTS = (("G", 0.55), ("A", 0.3), ("R", 0.15))
FILL_ONLY_SHARE = 0.2
CONTINUATION_SHARE = 0.3  # rows with a blank Project Title that belong to the project above
TEXT_DATE_SHARE = 0.1  # "Q3 2017/18", "TBC", "end of March 2018": free text, not a date

PLACES = (
    "Oxford", "Berkshire", "Buckinghamshire", "Milton Keynes", "Swindon", "Wiltshire", "Bath",
    "Somerset", "Dorset", "Hampshire", "Surrey", "Sussex", "Kent", "Medway", "Essex",
    "Norfolk", "Suffolk", "Cambridge", "Peterborough", "Bedford", "Luton", "Hertfordshire",
    "Northampton", "Leicester", "Derby", "Nottingham", "Lincoln", "Sheffield", "Leeds",
    "Bradford", "York", "Hull", "Durham", "Newcastle", "Cumbria", "Lancashire", "Bolton",
    "Wigan", "Salford", "Stockport", "Cheshire", "Liverpool", "Wirral", "Shropshire",
    "Stafford", "Worcester", "Hereford", "Gloucester", "Bristol", "Plymouth", "Cornwall",
    "Devon", "Exeter", "Torbay", "Portsmouth", "Southampton", "Brighton", "Croydon",
)
KINDS = ("NHS Foundation Trust", "Health NHS Foundation Trust", "Hospitals NHS Trust",
         "Community Healthcare NHS Trust", "University Hospitals NHS Foundation Trust")
LEADS = (
    "Director of Nursing", "Chief Operating Officer", "Medical Director", "Director of HR",
    "Director of Finance", "Director of Research", "Chief Information Officer",
    "Head of Patient Experience", "Deputy Director of Operations", "Head of Estates",
    "Associate Director of Quality", "Head of Workforce Planning", "Clinical Director (Adults)",
    "Service Director (Children and Young People)", "Head of Performance",
)
OPENINGS = (
    "Scoping of the project, KPIs and implementation plan completed.",
    "Project board met twice during the quarter and the highlight report was agreed.",
    "Business case approved by the executive team in {month}.",
    "Recruitment to {n} posts is under way, with {k} appointed so far.",
    "Engagement events with {n} teams took place to build relationships and find quick wins.",
    "The pilot on {ward} Ward has been running since {month} and early results are positive.",
    "{k} of the {n} objectives have been fully completed and the rest are in progress.",
)
MIDDLES = (
    "Weekly updates go to the executive for the first three months.",
    "Milestones for the next quarter are on track for delivery.",
    "Staff consultation to be completed by the end of {month}.",
    "A revised timetable has been agreed with commissioners.",
    "Savings of \u00a3{money}k are forecast against a plan of \u00a3{plan}k.",
    "Data quality issues in the source system are being worked through with informatics.",
    "The steering group has approved the approach and the next phase starts in {month}.",
    "Go live for the second cohort is delayed as further consideration is required.",
    "Network governance is working well and collaboration between partners is positive.",
)
CLOSINGS = (
    "Next steps: roll out to the remaining {k} sites.",
    "Risks are recorded on the corporate risk register and reviewed monthly.",
    "An evaluation report will go to the Quality Committee in {month}.",
    "No issues to escalate this period.",
    "Further work is required to refine the model before it is rolled out.",
)
WARDS = ("Wintle", "Vaughan Thomas", "Ashurst", "Cherwell", "Kennet", "Sandford", "Allen")
MONTHS = ("October", "November", "December", "January", "February", "March", "April")
TEXT_DATES = ("Q3 2017/18", "TBC", "end of March 2018", "Nov 17", "By 31st Dec", "ongoing",
              "w/c 6 Nov", "March 2018")


@dataclass(frozen=True)
class PlanPriority:
    """One configured priority and the names trackers may use for its workstreams."""

    number: int
    names: tuple[str, ...]  # title, then aliases
    workstreams: tuple[tuple[str, ...], ...]  # per workstream: title, then aliases
    id: str = ""
    committees: tuple[str, ...] = ()  # per workstream: its committee (its own, else the priority's)


def load_plan(config: Path = CONFIG) -> tuple[PlanPriority, ...]:
    """The configured priorities and workstreams, with their aliases (plain YAML, no model)."""
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    plan = []
    for number, priority in enumerate(data["priorities"], start=1):
        streams = []
        committees = []
        for ws in priority.get("workstreams", []):
            if isinstance(ws, str):
                streams.append((ws,))
                committees.append(priority.get("committee", ""))
            else:
                streams.append((ws["title"], *ws.get("aliases", [])))
                committees.append(ws.get("committee") or priority.get("committee", ""))
        names = (priority["title"], *priority.get("aliases", []))
        plan.append(PlanPriority(number, names, tuple(streams), priority["id"],
                                 tuple(committees)))
    return tuple(plan)


def _rng(seed: int, index: int) -> random.Random:
    # A string seed is hashed the same way on every platform and Python build.
    return random.Random(f"planreports-bench:{seed}:{index}")


def _update(rng: random.Random) -> str:
    fields = {
        "month": rng.choice(MONTHS), "n": rng.randint(4, 60), "k": rng.randint(1, 12),
        "ward": rng.choice(WARDS), "money": rng.randint(50, 900), "plan": rng.randint(100, 1200),
    }
    sentences = [rng.choice(OPENINGS), *rng.sample(MIDDLES, rng.randint(1, 3)),
                 rng.choice(CLOSINGS)]
    # Two trusts never write the same update word for word; without this sentence the
    # templates above would repeat often enough to read as duplicate items.
    total = rng.randint(5, 40)
    position = f"At week {rng.randint(1, 52)}, {rng.randint(0, total)} of {total} milestones met."
    return " ".join([position, *(s.format(**fields) for s in sentences)])


def _rag(rng: random.Random) -> str:
    pick = rng.random()
    for key, weight in RAG_WEIGHTS:
        if pick < weight:
            return key
        pick -= weight
    return RAG_WEIGHTS[-1][0]


@dataclass(frozen=True)
class TrackerRow:
    """One data row as written; '' in priority/project means blank (merged or continuation)."""

    priority: str
    rag_key: str
    rag_text: str
    project: str
    update: str
    lead: str
    due: dt.date | str | None
    workstream: str = ""  # the configured title the row reconciles to (continuations: inherited)


def tracker_rows(plan: Sequence[PlanPriority], rows: int, rng: random.Random,
                 without: str | None = None) -> list[list[TrackerRow]]:
    """`rows` rows grouped by priority (each group a list), in plan order.

    `without` names a configured workstream title that must not be reported: a row that
    would name it names the next workstream of its priority instead, after the same random
    draws, so everything else about the tracker is as it would have been.
    """
    chosen = sorted(rng.sample(range(len(plan)), rng.randint(min(4, len(plan)), len(plan))))
    # Every chosen priority gets at least one row; the rest are spread at random.
    counts = [1] * len(chosen)
    for _ in range(max(0, rows - len(chosen))):
        counts[rng.randrange(len(chosen))] += 1
    groups: list[list[TrackerRow]] = []
    for index, count in zip(chosen, counts, strict=True):
        priority = plan[index]
        label = f"{priority.number}. {rng.choice(priority.names)}"
        group: list[TrackerRow] = []
        stream: tuple[str, ...] = ()
        for r in range(count):
            continuation = r > 0 and rng.random() < CONTINUATION_SHARE
            if continuation:
                project = ""  # the reader carries the project above down to this row
            else:
                stream = rng.choice(priority.workstreams)
                project = rng.choice(stream)
                if stream[0] == without:
                    streams = priority.workstreams
                    stream = streams[(streams.index(stream) + 1) % len(streams)]
                    project = stream[0]
            rag = _rag(rng)
            due: dt.date | str | None
            if rng.random() < TEXT_DATE_SHARE:
                due = rng.choice(TEXT_DATES)
            else:
                due = dt.date(2017, 7, 1) + dt.timedelta(days=rng.randint(0, 365))
            group.append(TrackerRow(
                priority=label if r == 0 else "",
                rag_key=rag,
                rag_text="" if rng.random() < FILL_ONLY_SHARE else RAG_WORDS[rag],
                project=project,
                update=_update(rng),
                lead=rng.choice(LEADS),
                due=due,
                workstream=stream[0],
            ))
        groups.append(group)
    return groups


def trust_name(seed: int, index: int) -> str:
    rng = _rng(seed, -index - 1)
    return f"{rng.choice(PLACES)} {rng.choice(KINDS)}"


def write_tracker(path: Path, trust: str, groups: Sequence[Sequence[TrackerRow]]) -> None:
    """One return: title rows, header, rows with Priority merged down each group, RAG key."""
    wb = xlsxwriter.Workbook(str(path), {"in_memory": True, "strings_to_numbers": False,
                                         "strings_to_formulas": False, "strings_to_urls": False})
    wb.set_properties({"title": f"{trust} Business Plan FY18 Q2 return",
                       "author": "Business Planning Team", "created": FIXED_TIME})
    title = wb.add_format({"bold": True, "font_size": 14})
    subtitle = wb.add_format({"bold": True, "font_size": 12})
    header = wb.add_format({"bold": True, "font_color": "#FFFFFF", "bg_color": "#005EB8",
                            "border": 1, "text_wrap": True, "align": "center",
                            "valign": "vcenter"})
    body = wb.add_format({"text_wrap": True, "valign": "top", "border": 1,
                          "border_color": "#BFBFBF"})
    date = wb.add_format({"text_wrap": True, "valign": "top", "border": 1,
                          "border_color": "#BFBFBF", "num_format": "dd/mm/yyyy"})
    rag = {
        key: wb.add_format({"bold": True, "bg_color": colour, "pattern": 1, "border": 1,
                            "border_color": "#BFBFBF", "align": "center", "valign": "top"})
        for key, colour in RAG_FILLS.items()
    }
    ws = wb.add_worksheet("Progress Updates")
    for col, width in enumerate(WIDTHS):
        ws.set_column(col, col, width)
    ws.write_string(0, 0, trust, title)
    ws.write_string(1, 0, "Business Plan FY18 Q2 \u2013 Progress Updates", subtitle)
    header_row = 3
    for col, text in enumerate(HEADERS):
        ws.write_string(header_row, col, text, header)
    r = header_row + 1
    for group in groups:
        first = r
        for row in group:
            if row.rag_text:
                ws.write_string(r, 1, row.rag_text, rag[row.rag_key])
            else:
                ws.write_blank(r, 1, None, rag[row.rag_key])
            if row.project:
                ws.write_string(r, 2, row.project, body)
            else:
                ws.write_blank(r, 2, None, body)
            ws.write_string(r, 3, row.update, body)
            ws.write_string(r, 4, row.lead, body)
            if isinstance(row.due, dt.date):
                ws.write_datetime(r, 5, dt.datetime.combine(row.due, dt.time()), date)
            elif row.due:
                ws.write_string(r, 5, row.due, body)
            r += 1
        if r - first > 1:
            ws.merge_range(first, 0, r - 1, 0, group[0].priority, body)
        else:
            ws.write_string(first, 0, group[0].priority, body)
    ws.freeze_panes(header_row + 1, 0)
    ws.repeat_rows(header_row)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    key = wb.add_worksheet("RAG Key")
    key.write_string(0, 0, "RAG", header)
    key.write_string(0, 1, "Milestone status", header)
    meanings = {"R": "Milestones delayed", "A": "Milestones at risk of delay",
                "G": "Milestones complete and/or on track"}
    for i, (k, meaning) in enumerate(meanings.items(), start=1):
        key.write_string(i, 0, RAG_WORDS[k], rag[k])
        key.write_string(i, 1, meaning, body)
    key.set_column(0, 0, 10)
    key.set_column(1, 1, 40)
    wb.close()


def tracker_name(seed: int, index: int) -> str:
    return f"{index + 1:03d} {trust_name(seed, index)} - FY18 Q2 return.xlsx"


def _write_one(job: tuple[Path, int, int, int]) -> None:
    out, seed, index, rows = job
    plan = load_plan()
    groups = tracker_rows(plan, rows, _rng(seed, index))
    write_tracker(out / tracker_name(seed, index), trust_name(seed, index), groups)


def _manifest(trackers: int, rows: int, seed: int) -> dict[str, object]:
    return {"trackers": trackers, "rows": rows, "seed": seed,
            "config_mtime_ns": CONFIG.stat().st_mtime_ns, "generator_mtime_ns":
            Path(__file__).stat().st_mtime_ns}


def default_out(trackers: int, rows: int) -> Path:
    return CORPUS / f"{trackers}x{rows}"


def generate(out: Path, trackers: int = DEFAULT_TRACKERS, rows: int = DEFAULT_ROWS,
             seed: int = DEFAULT_SEED, jobs: int | None = None) -> list[Path]:
    """Write `trackers` workbooks of `rows` data rows to `out` (emptied first); return them.

    The manifest file sits beside the trackers, not among them (it is not a spreadsheet, so
    the reader does not look at it), and lets `ensure` reuse a corpus that is up to date.
    """
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    jobs_list = [(out, seed, i, rows) for i in range(trackers)]
    workers = max(1, min(jobs or os.cpu_count() or 1, trackers))
    if workers == 1:
        for job in jobs_list:
            _write_one(job)
    else:
        with multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn"
                                         ).Pool(workers) as pool:
            pool.map(_write_one, jobs_list, chunksize=8)
    (out / MANIFEST).write_text(json.dumps(_manifest(trackers, rows, seed), indent=2) + "\n")
    return sorted(out.glob("*.xlsx"))


def ensure(trackers: int, rows: int, seed: int = DEFAULT_SEED, out: Path | None = None
           ) -> Path:
    """The corpus folder for (trackers, rows, seed), generated unless already up to date."""
    out = out or default_out(trackers, rows)
    marker = out / MANIFEST
    if marker.is_file():
        try:
            if json.loads(marker.read_text()) == _manifest(trackers, rows, seed):
                return out
        except ValueError:
            pass
    generate(out, trackers, rows, seed)
    return out


def subset(corpus: Path, trackers: int) -> Path:
    """A corpus of the first `trackers` files of `corpus`, hard-linked beside it.

    Tracker i is the same file at every corpus size, so this is what generating the smaller
    corpus would write, without writing it again.
    """
    # By number, not by name: "1000 ..." sorts before "101 ..." as text.
    names = sorted((p.name for p in corpus.glob("*.xlsx")),
                   key=lambda name: int(name.split(" ", 1)[0]))[:trackers]
    made = json.loads((corpus / MANIFEST).read_text())
    rows, seed = made["rows"], made.get("seed", DEFAULT_SEED)
    out = corpus.parent / f"{corpus.name}-first{trackers}"
    if out.is_dir() and sorted(p.name for p in out.glob("*.xlsx")) == sorted(names) and all(
        os.path.samefile(out / n, corpus / n) for n in names
    ):
        return out
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for name in names:
        try:
            os.link(corpus / name, out / name)
        except OSError:  # a file system without hard links
            shutil.copy2(corpus / name, out / name)
    (out / MANIFEST).write_text(json.dumps({"subset_of": corpus.name, "trackers": trackers,
                                            "rows": rows, "seed": seed}, indent=2) + "\n")
    return out


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trackers", type=int, default=DEFAULT_TRACKERS)
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help="data rows per tracker")
    parser.add_argument("--out", type=Path, default=None,
                        help="output folder (default benchmarks/corpus/<trackers>x<rows>)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--jobs", type=int, default=None, help="writer processes (default: cores)")
    parser.add_argument("--organisations", type=int, default=None, metavar="N",
                        help="a region working folder instead: the trackers spread over N "
                             "organisations' folders, with config.yaml and truth.json "
                             "(default out: benchmarks/corpus/region-<trackers>x<rows>-<N>orgs)")
    parser.add_argument("--org-packs", default=None, metavar="K|all",
                        help="with --organisations: a pack for each of the first K "
                             "organisations and the one with no tracker (default 3)")
    parser.add_argument("--clean", action="store_true",
                        help="with --organisations: plant no problems (every organisation has "
                             "trackers and reports every workstream it happens to)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.organisations is not None:
        import region

        packs = (None if args.org_packs == "all" else
                 int(args.org_packs) if args.org_packs is not None else region.DEFAULT_ORG_PACKS)
        start = time.perf_counter()
        folder = region.main_region(args.trackers, args.rows, args.seed, args.organisations,
                                    args.out, packs, args.clean)
        took = time.perf_counter() - start
        print(f"region working folder {folder} ready in {took:.1f} s: {region.summary(folder)}")
        print(f"build it: cd {folder} && planreports build -c config.yaml")
        return 0
    out = args.out or default_out(args.trackers, args.rows)
    start = time.perf_counter()
    paths = generate(out, args.trackers, args.rows, args.seed, args.jobs)
    took = time.perf_counter() - start
    print(f"wrote {len(paths)} trackers x {args.rows} rows to {out} in {took:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
