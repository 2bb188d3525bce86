"""Compare a region folder's last build (outputs/*/run.json) with the generator's truth.json.

Usage: ``python benchmarks/check_truth.py FOLDER`` after ``planreports build -c config.yaml``
(or ``-c config-without-organisations.yaml``, where the checks by organisation are left out
and the counts across organisations follow the rules before organisations). Prints one line
per check and exits 1 when any differs.
"""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def _counts(items: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    out: dict[str, Counter] = defaultdict(Counter)
    for item in items:
        out[item["priority"]][item["rag"]] += 1
    return {p: dict(c) for p, c in out.items()}


def _exception(item: dict[str, Any], as_of: str) -> bool:
    # A first build: nothing deteriorated or no longer reported; no generated RAG is complete.
    return item["rag"] == "R" or bool(item["due"] and item["due"] < as_of)


def checks(run: dict[str, Any], truth: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(what, run.json says, truth says) for every check."""
    items = run["items"]
    codes = Counter(f["code"] for f in run["findings"])
    as_of = run["as_of"]
    by_org = "organisation" in (items[0] if items else {}) and any(
        i.get("organisation") for i in items)
    out = [
        ("items", len(items), truth["total_items"]),
        ("priority x RAG counts", run["counts"], truth["counts"]),
        ("exceptions (Red or overdue)", sum(_exception(i, as_of) for i in items),
         truth["total_exceptions"]),
        ("overdue findings", codes["overdue"], truth["overdue_findings"]),
    ]
    if not by_org:
        today = truth["today"]
        return [*out,
                ("duplicate-item findings", codes["duplicate-item"],
                 today["duplicate_item_findings"]),
                ("conflicting-rag findings", codes["conflicting-rag"],
                 today["conflicting_rag_findings"]),
                ("missing-return findings", codes["missing-return"],
                 len(today["missing_returns"]))]
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        grouped[item["organisation"]].append(item)
    for org, want in truth["counts_by_organisation"].items():
        out.append((f"{org}: priority x RAG counts", _counts(grouped.get(org, [])), want))
        out.append((f"{org}: exceptions", sum(_exception(i, as_of) for i in grouped.get(org, [])),
                    truth["exceptions_by_organisation"][org]["exceptions"]))
    missing = sorted((f.get("organisation"), f["priority"], f["workstream"])
                     for f in run["findings"] if f["code"] == "missing-return")
    out.append(("missing-return (organisation, priority, workstream)", missing, sorted(
        (m["organisation"], m["priority"], m["workstream"]) for m in truth["missing_returns"])))
    out.append(("organisations with no tracker: findings", codes["missing-organisation"],
                len(truth["organisations_without_trackers"])))
    out.append(("duplicate-item findings", codes["duplicate-item"],
                sum(truth["duplicates_within_organisation"].values())))
    out.append(("conflicting-rag findings", codes["conflicting-rag"],
                truth["conflicting_rag_findings"]))
    packs = {p["name"]: p for p in run.get("packs", [])}
    for name, want in truth["packs"].items():
        if name in packs:
            got = packs[name]
            out.append((f"pack {name}: items", got["items"], want["items"]))
            rag_totals: Counter = Counter()
            for by_rag in want["counts"].values():
                rag_totals.update(by_rag)
            out.append((f"pack {name}: RAG counts", dict(Counter(got["counts"])),
                        dict(rag_totals)))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    folder = Path((argv or sys.argv[1:])[0])
    run_json = max((folder / "outputs").glob("*/run.json"), key=lambda p: p.stat().st_mtime)
    run = json.loads(run_json.read_text())
    truth = json.loads((folder / "truth.json").read_text())
    failed = 0
    for what, got, want in checks(run, truth):
        same = got == want
        failed += not same
        shown = f"{got}" if same else f"run.json {got} != truth {want}"
        shown = shown if len(shown) < 160 or not same else shown[:157] + "..."
        print(f"{'ok  ' if same else 'DIFF'} {what}: {shown}")
    print(f"{run_json}: {'all checks agree' if not failed else f'{failed} checks differ'}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
