"""A region's working folder from the benchmark corpus: the trackers spread over organisations.

`generate.py --organisations N` calls this. Tracker i belongs to organisation i mod M (M the
organisations that have trackers), so it lands in the same place at every corpus size. Each
organisation's trackers sit in its own sub-folder of inputs/ (inputs/<folder>/), except the
second organisation's, which are named by a file-name pattern (inputs/<folder>-*.xlsx) so
that both ways of saying where an organisation's trackers are get built.

Two problems are planted unless `clean` is set, and the truth records both:

- the last organisation has no tracker at all (its folder exists and is empty);
- the first organisation never reports one workstream (MISSING_WORKSTREAM): a row of its
  trackers that would name it names the next workstream of the same priority instead, with
  the same random draws otherwise, so those trackers are regenerated rather than linked.

Every other tracker is a hard link to the flat corpus's file of the same name.

The folder holds config.yaml (the sample config's plan and RAG, an `organisations:` block, a
roll-up board pack, the sample's committee and PMO packs, one pack per chosen organisation),
config-without-organisations.yaml (the same without the block and the organisations' packs,
which the code before organisations accepts), templates/ (the repo's) and truth.json: what
the generator knows from what it wrote (see `truth`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import multiprocessing
import os
import shutil
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import generate
import yaml

TRUTH = "truth.json"
MANIFEST = "region-manifest.json"
CONFIG_WITH = "config.yaml"
CONFIG_WITHOUT = "config-without-organisations.yaml"
REGION = "South West Region"
# (id, name, aliases): a South West system's members; past these, numbered organisations.
MEMBERS = (
    ("NBT", "North Bristol NHS Trust", ("North Bristol",)),
    ("UHBW", "University Hospitals Bristol and Weston NHS Foundation Trust",
     ("UH Bristol and Weston", "University Hospitals Bristol")),
    ("RUH", "Royal United Hospitals Bath NHS Foundation Trust", ("Royal United Hospitals Bath",)),
    ("GWH", "Great Western Hospitals NHS Foundation Trust", ("Great Western Hospitals",)),
    ("SFT", "Salisbury NHS Foundation Trust", ("Salisbury",)),
    ("GHFT", "Gloucestershire Hospitals NHS Foundation Trust", ("Gloucestershire Hospitals",)),
    ("RCHT", "Royal Cornwall Hospitals NHS Trust", ("Royal Cornwall",)),
    ("TSD", "Torbay and South Devon NHS Foundation Trust", ("Torbay and South Devon",)),
    ("UHP", "University Hospitals Plymouth NHS Trust", ("University Hospitals Plymouth",)),
    ("AWP", "Avon and Wiltshire Mental Health Partnership NHS Trust", ("Avon and Wiltshire",)),
    ("RDUH", "Royal Devon University Healthcare NHS Foundation Trust", ("Royal Devon",)),
    ("UHD", "University Hospitals Dorset NHS Foundation Trust", ("University Hospitals Dorset",)),
    ("DCH", "Dorset County Hospital NHS Foundation Trust", ("Dorset County Hospital",)),
    ("DHC", "Dorset HealthCare University NHS Foundation Trust", ("Dorset HealthCare",)),
    ("DPT", "Devon Partnership NHS Trust", ("Devon Partnership",)),
    ("CFT", "Cornwall Partnership NHS Foundation Trust", ("Cornwall Partnership",)),
    ("GHC", "Gloucestershire Health and Care NHS Foundation Trust",
     ("Gloucestershire Health and Care",)),
    ("SWASFT", "South Western Ambulance Service NHS Foundation Trust",
     ("South Western Ambulance",)),
    ("SOM", "Somerset NHS Foundation Trust", ("Somerset",)),
    ("SIRONA", "Sirona care and health", ("Sirona",)),
)
MISSING_WORKSTREAM = "Deliver the carers strategy"  # P1 has two workstreams: the other stays
DEFAULT_ORG_PACKS = 3
EXCEPTION_PARTS = ("items", "exceptions", "red", "overdue", "red_and_overdue")
RAG_ORDER = {key: n for n, key in enumerate("RAGB")}  # the sample config's, worst first
# The due-date texts the generator writes, as planreports' date rules read them at the
# sample's as_of (30 Sep 2017): read/dates.py's docstring gives the rules. None: no date.
TEXT_DUE = {
    "Q3 2017/18": dt.date(2017, 12, 31), "TBC": None, "end of March 2018": dt.date(2018, 3, 31),
    "Nov 17": dt.date(2017, 11, 30), "By 31st Dec": dt.date(2017, 12, 31), "ongoing": None,
    "w/c 6 Nov": dt.date(2017, 11, 6), "March 2018": dt.date(2018, 3, 31),
}


@dataclass(frozen=True)
class Organisation:
    id: str
    name: str
    aliases: tuple[str, ...]
    folder: str
    by_pattern: bool = False  # its trackers are inputs/<folder>-*.xlsx, not in inputs/<folder>/

    @property
    def pattern(self) -> str:
        return f"{self.folder}-*.xlsx"

    def config(self) -> dict[str, Any]:
        where = {"pattern": self.pattern} if self.by_pattern else {"folder": self.folder}
        return {"id": self.id, "name": self.name, "aliases": [*self.aliases, self.id], **where}


def members(count: int) -> tuple[Organisation, ...]:
    out = []
    for n in range(count):
        if n < len(MEMBERS):
            code, name, aliases = MEMBERS[n]
        else:
            code, name, aliases = f"ORG{n + 1}", f"Member Organisation {n + 1}", ()
        out.append(Organisation(code, name, aliases, code.lower(), by_pattern=n == 1))
    return tuple(out)


@dataclass(frozen=True)
class Region:
    """Who the trackers belong to, and the planted problems."""

    organisations: tuple[Organisation, ...]
    empty: str | None  # the organisation with no tracker
    missing: str | None  # the organisation that never reports MISSING_WORKSTREAM

    @property
    def reporting(self) -> tuple[Organisation, ...]:
        return tuple(o for o in self.organisations if o.id != self.empty)

    def owner(self, index: int) -> Organisation:
        reporting = self.reporting
        return reporting[index % len(reporting)]

    def without(self, index: int) -> str | None:
        return MISSING_WORKSTREAM if self.owner(index).id == self.missing else None

    def path(self, inputs: Path, index: int, seed: int) -> Path:
        org, name = self.owner(index), generate.tracker_name(seed, index)
        return inputs / f"{org.folder}-{name}" if org.by_pattern else inputs / org.folder / name


def region_for(count: int, clean: bool = False) -> Region:
    if count < 1:
        raise SystemExit("--organisations must be at least 1")
    orgs = members(count)
    planted = not clean and count >= 2
    return Region(orgs, empty=orgs[-1].id if planted else None,
                  missing=orgs[0].id if not clean else None)


# --- writing the folder ----------------------------------------------------------------------

def _write_without(job: tuple[Path, int, int, int, str]) -> None:
    path, seed, index, rows, without = job
    groups = generate.tracker_rows(generate.load_plan(), rows, generate._rng(seed, index),
                                   without=without)
    generate.write_tracker(path, generate.trust_name(seed, index), groups)


def _pool_map(func: Any, jobs: list[Any], chunksize: int = 8) -> list[Any]:
    if len(jobs) < 4:
        return [func(job) for job in jobs]
    method = "fork" if sys.platform.startswith("linux") else "spawn"
    with multiprocessing.get_context(method).Pool(min(os.cpu_count() or 1, len(jobs))) as pool:
        return pool.map(func, jobs, chunksize=chunksize)


def _manifest(trackers: int, rows: int, seed: int, count: int, org_packs: int | None,
              clean: bool) -> dict[str, Any]:
    here = Path(__file__)
    return {"trackers": trackers, "rows": rows, "seed": seed, "organisations": count,
            "org_packs": org_packs, "clean": clean,
            "config_mtime_ns": generate.CONFIG.stat().st_mtime_ns,
            "generator_mtime_ns": [here.stat().st_mtime_ns,
                                   Path(generate.__file__).stat().st_mtime_ns]}


def default_out(trackers: int, rows: int, count: int) -> Path:
    return generate.CORPUS / f"region-{trackers}x{rows}-{count}orgs"


def ensure_region(corpus: Path, out: Path | None = None, count: int = 10,
                  org_packs: int | None = DEFAULT_ORG_PACKS, clean: bool = False) -> Path:
    """The region folder for the flat `corpus` (generate.ensure/subset), written unless it is
    already up to date."""
    info = json.loads((corpus / generate.MANIFEST).read_text())
    trackers = len(list(corpus.glob("*.xlsx")))
    rows, seed = info["rows"], info.get("seed", generate.DEFAULT_SEED)
    out = out or default_out(trackers, rows, count)
    wanted = _manifest(trackers, rows, seed, count, org_packs, clean)
    marker = out / MANIFEST
    if marker.is_file():
        try:
            if json.loads(marker.read_text()) == wanted:
                return out
        except ValueError:
            pass
    write_region(corpus, out, trackers, rows, seed, count, org_packs, clean)
    marker.write_text(json.dumps(wanted, indent=2) + "\n")
    return out


def write_region(corpus: Path, out: Path, trackers: int, rows: int, seed: int, count: int,
                 org_packs: int | None, clean: bool) -> None:
    region = region_for(count, clean)
    if out.exists():
        shutil.rmtree(out)
    inputs = out / "inputs"
    for org in region.organisations:
        (inputs if org.by_pattern else inputs / org.folder).mkdir(parents=True, exist_ok=True)
    regenerate = []
    for i in range(trackers):
        target = region.path(inputs, i, seed)
        without = region.without(i)
        if without:
            regenerate.append((target, seed, i, rows, without))
            continue
        source = corpus / generate.tracker_name(seed, i)
        try:
            os.link(source, target)
        except OSError:  # a file system without hard links
            shutil.copy2(source, target)
    _pool_map(_write_without, regenerate)
    shutil.copytree(generate.REPO / "templates", out / "templates")
    with_orgs, without_orgs = configs(region, org_packs)
    for name, data in ((CONFIG_WITH, with_orgs), (CONFIG_WITHOUT, without_orgs)):
        (out / name).write_text(_yaml_header(name) + yaml.safe_dump(
            data, sort_keys=False, allow_unicode=True, width=100), encoding="utf-8")
    (out / TRUTH).write_text(json.dumps(truth(region, trackers, rows, seed, with_orgs),
                                        indent=1) + "\n", encoding="utf-8")


def _yaml_header(name: str) -> str:
    what = ("with an organisations block" if name == CONFIG_WITH else
            "without organisations (the code before issue 17 accepts this one)")
    return (f"# A region working folder written by benchmarks/generate.py, {what}.\n"
            "# The plan and RAG are the sample config.yaml's; inputs/ holds the benchmark "
            "corpus.\n")


def configs(region: Region, org_packs: int | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """(config with organisations, config without): plain data for YAML."""
    sample = yaml.safe_load(generate.CONFIG.read_text(encoding="utf-8"))
    base = {
        "organisation": REGION,
        "report": sample["report"],
        "rag": sample["rag"],
        "priorities": sample["priorities"],
        "inputs": sample["inputs"],
    }
    committee_packs = [p for p in sample["packs"] if p["name"] != "board"]
    board = {"name": "board", "title": "Regional Board"}
    chosen = _org_pack_members(region, org_packs)
    own = [{"name": o.folder, "title": o.name, "organisations": [o.id]} for o in chosen]
    outputs = {"folder": "outputs", "history": "outputs/history.sqlite"}
    with_orgs = {**base, "organisations": [o.config() for o in region.organisations],
                 "packs": [board, *own, *committee_packs], "outputs": outputs}
    without_orgs = {**base, "packs": [board, *committee_packs], "outputs": outputs}
    return with_orgs, without_orgs


def _org_pack_members(region: Region, org_packs: int | None) -> list[Organisation]:
    """The first `org_packs` organisations (all when None), and the one with no tracker."""
    orgs = list(region.organisations)
    chosen = orgs if org_packs is None else orgs[:org_packs]
    empty = next((o for o in orgs if o.id == region.empty), None)
    if empty is not None and empty not in chosen and (org_packs is None or org_packs > 0):
        chosen.append(empty)
    return chosen


# --- the truth ---------------------------------------------------------------------------------

def _items_of(job: tuple[int, int, int, str | None]) -> list[tuple]:
    """(priority id, workstream, rag, due ISO or None, overdue, duplicate key, committee) for
    each row of tracker i, as it reconciles (every row becomes an item)."""
    seed, index, rows, without = job
    plan = generate.load_plan()
    as_of = _as_of()
    committee = {(p.id, ws[0]): c for p in plan for ws, c in zip(p.workstreams, p.committees,
                                                                strict=True)}
    by_number = {p.number: p for p in plan}
    out = []
    for group in generate.tracker_rows(plan, rows, generate._rng(seed, index), without=without):
        priority = by_number[int(group[0].priority.split(".", 1)[0])]
        for row in group:
            due = row.due if isinstance(row.due, dt.date) else TEXT_DUE.get(row.due or "")
            overdue = due is not None and due < as_of  # nothing written is complete (Blue)
            # reconcile's duplicate key: priority, workstream, item (none), RAG, the update
            # lower-cased with its spaces collapsed.
            text = " ".join(row.update.lower().split())
            key = hashlib.blake2b(f"{priority.id}\0{row.workstream.lower()}\0\0{row.rag_key}"
                                  f"\0{text}".encode(), digest_size=12).hexdigest()
            out.append((priority.id, row.workstream, row.rag_key,
                        due.isoformat() if due else None, overdue, key,
                        committee[(priority.id, row.workstream)]))
    return out


def _as_of() -> dt.date:
    data = yaml.safe_load(generate.CONFIG.read_text(encoding="utf-8"))
    value = data["report"]["as_of"]
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _nested() -> defaultdict:
    return defaultdict(Counter)


def truth(region: Region, trackers: int, rows: int, seed: int,
          config: dict[str, Any]) -> dict[str, Any]:
    """What a first build of the folder must show, from what was written.

    Rules, each planreports' own (reconcile/__init__.py, render/workbook_exceptions.py,
    render/deck_exceptions.py): every row is an item, except a repeat of an earlier item's
    (priority, workstream, item, RAG, update) in the same organisation; an exception is an
    item that is Red (the config's worst RAG), deteriorated, overdue (a due date before as_of
    and a RAG that is not complete) or no longer reported. A first build has no history, so
    nothing is deteriorated or no longer reported, and an exception is Red or overdue.
    `conflicting-rag` names every item of an organisation's workstream that more than one of
    its files report with more than one RAG; `missing-return` is one per organisation and
    configured workstream that none of its trackers reports; an organisation with no tracker
    is one finding. The `today` block gives the same counts by the rules before
    organisations (one trust: duplicates, conflicts and missing returns across all files).
    """
    jobs = [(seed, i, rows, region.without(i)) for i in range(trackers)]
    per_tracker = _pool_map(_items_of, jobs, chunksize=16)
    plan = generate.load_plan()
    configured = [(p.id, ws[0]) for p in plan for ws in p.workstreams]
    orgs = {o.id: o for o in region.organisations}
    files: dict[str, list[str]] = {o: [] for o in orgs}
    counts: dict[str, defaultdict] = {o: _nested() for o in orgs}
    exceptions = {o: Counter(dict.fromkeys(EXCEPTION_PARTS, 0)) for o in orgs}
    exceptions_by_priority: dict[str, Counter] = {o: Counter() for o in orgs}
    reported: dict[str, set] = {o: set() for o in orgs}
    groups: dict[tuple, list[tuple[int, str]]] = defaultdict(list)  # (org, p, ws) -> file, rag
    seen_org: set[tuple[str, str]] = set()
    seen_all: set[str] = set()
    dup_org = Counter()
    dup_all = 0
    committees: dict[str, Counter] = defaultdict(Counter)
    committee_exceptions: dict[str, Counter] = defaultdict(Counter)
    committee_counts: dict[str, defaultdict] = defaultdict(_nested)
    inputs = Path("inputs")
    for i, items in enumerate(per_tracker):
        org = region.owner(i).id
        files[org].append(region.path(inputs, i, seed).relative_to(inputs).as_posix())
        for pid, ws, rag, _due, overdue, key, committee in items:
            if key in seen_all:
                dup_all += 1
            seen_all.add(key)
            if (org, key) in seen_org:
                dup_org[org] += 1
                continue
            seen_org.add((org, key))
            counts[org][pid][rag] += 1
            reported[org].add((pid, ws))
            groups[(org, pid, ws)].append((i, rag))
            exception = rag == "R" or overdue
            red, late = rag == "R", overdue
            exceptions[org].update(
                items=1, exceptions=int(exception), red=int(red), overdue=int(late),
                red_and_overdue=int(red and late))
            if exception:
                exceptions_by_priority[org][pid] += 1
            committees[org][committee] += 1
            committee_counts[committee][pid][rag] += 1
            committee_exceptions[committee].update(items=1, exceptions=int(exception))

    def conflicts(keyed: dict[tuple, list[tuple[int, str]]]) -> int:
        return sum(len(g) for g in keyed.values()
                   if len({f for f, _ in g}) > 1 and len({r for _, r in g}) > 1)

    by_ws: dict[tuple, list[tuple[int, str]]] = defaultdict(list)
    for (_, pid, ws), members_ in groups.items():
        by_ws[(pid, ws)] += members_
    missing = [{"organisation": o, "priority": pid, "workstream": ws}
               for o in orgs if files[o] for pid, ws in configured if (pid, ws) not in reported[o]]
    everywhere = set().union(*reported.values())
    total_counts = _nested()
    for org_counts in counts.values():
        for pid, by_rag in org_counts.items():
            total_counts[pid].update(by_rag)
    packs = {}
    for pack in config["packs"]:
        wanted = pack.get("organisations")
        chosen = [o for o in orgs if wanted is None or o in wanted]
        if pack.get("committees"):
            names = pack["committees"]
            packs[pack["name"]] = {
                "committees": names,
                "items": sum(committee_exceptions[c]["items"] for c in names),
                "exceptions": sum(committee_exceptions[c]["exceptions"] for c in names),
                "counts": _plain(_sum_counts(committee_counts[c] for c in names))}
        else:
            packs[pack["name"]] = {
                "organisations": chosen,
                "items": sum(exceptions[o]["items"] for o in chosen),
                "exceptions": sum(exceptions[o]["exceptions"] for o in chosen),
                "counts": _plain(_sum_counts(counts[o] for o in chosen))}
    return {
        "seed": seed, "trackers": trackers, "rows_per_tracker": rows, "rows": trackers * rows,
        "as_of": _as_of().isoformat(),
        "rules": " ".join((truth.__doc__ or "").split("\n\n", 1)[1].split()),
        "organisations": [{**o.config(), "trackers": len(files[o.id]), "files": files[o.id]}
                          for o in region.organisations],
        "planted": {
            "no_tracker": region.empty,
            "missing_workstream": ({"organisation": region.missing, "priority": "P1",
                                    "workstream": MISSING_WORKSTREAM} if region.missing else None),
        },
        "total_items": sum(e["items"] for e in exceptions.values()),
        "items_by_organisation": {o: exceptions[o]["items"] for o in orgs},
        "counts": _plain(total_counts),
        "counts_by_organisation": {o: _plain(counts[o]) for o in orgs},
        "exceptions_by_organisation": {o: dict(exceptions[o]) for o in orgs},
        "exceptions_by_organisation_and_priority": {
            o: dict(sorted(exceptions_by_priority[o].items())) for o in orgs},
        "total_exceptions": sum(e["exceptions"] for e in exceptions.values()),
        "overdue_findings": sum(e["overdue"] for e in exceptions.values()),
        "duplicates_within_organisation": dict(dup_org),
        "conflicting_rag_findings": conflicts(groups),
        "missing_returns": missing,
        "organisations_without_trackers": [o for o in orgs if not files[o]],
        "packs": packs,
        "today": {
            "duplicate_item_findings": dup_all,
            "conflicting_rag_findings": conflicts(by_ws),
            "missing_returns": [{"priority": pid, "workstream": ws} for pid, ws in configured
                                if (pid, ws) not in everywhere],
        },
    }


def _sum_counts(parts: Any) -> defaultdict:
    total = _nested()
    for part in parts:
        for pid, by_rag in part.items():
            total[pid].update(by_rag)
    return total


def _plain(counts: defaultdict) -> dict[str, dict[str, int]]:
    return {pid: {rag: by_rag[rag] for rag in sorted(by_rag, key=RAG_ORDER.__getitem__)}
            for pid, by_rag in sorted(counts.items())}


def main_region(trackers: int, rows: int, seed: int, count: int, out: Path | None,
                org_packs: int | None, clean: bool) -> Path:
    """generate.py --organisations: the flat corpus (made or reused), then the region."""
    corpus = generate.ensure(trackers, rows, seed)
    return ensure_region(corpus, out, count, org_packs, clean)


def summary(folder: Path) -> str:
    data = json.loads((folder / TRUTH).read_text())
    orgs = ", ".join(f"{o['id']} {o['trackers']}" for o in data["organisations"])
    return (f"{data['trackers']} trackers, {data['total_items']} items, "
            f"{data['total_exceptions']} exceptions; trackers by organisation: {orgs}")


__all__: Sequence[str] = ("ensure_region", "main_region", "region_for", "summary", "truth")
