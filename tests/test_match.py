"""Matching tracker text to the plan: real titles from the seeds and their near-misses."""

from __future__ import annotations

from pathlib import Path

import pytest

from planreports.config import load_config
from planreports.reconcile.match import (
    best_match,
    normalise_title,
    number_prefix,
    priority_candidates,
    workstream_candidates,
)

CONFIG = load_config(Path(__file__).resolve().parent.parent / "config.yaml")
PRIORITIES = priority_candidates(CONFIG)


@pytest.mark.parametrize(
    ("text", "key", "how"),
    [
        ("1. To make care a joint endeavour with patients, families & carers", "P1", "title"),
        ("P3", "P3", "id"),
        ("Priority 2", "P2", "number"),
        ("5.", "P5", "number"),
        ("7", "P7", "number"),
        ("To embed and enhance the electronic health record", "P7", "title"),
        ("Patients, families and carers", "P1", "alias"),
        ("Research", "P6", "alias"),
        ("To ensure Oxford Health is high performing and financially viable", "P5", "fuzzy"),
        ("To improve quality of care by transforming our services", "P2", "title"),
        ("To improve the quality of care through transforming services", "P2", "fuzzy"),
        ("Reduce waiting lists for elective surgery", None, "none"),
        ("", None, "none"),
    ],
)
def test_priority_matching(text: str, key: str | None, how: str) -> None:
    match = best_match(text, PRIORITIES)
    assert (match.key, match.how) == (key, how)


def _ws(pid: str):  # noqa: ANN202
    return workstream_candidates(CONFIG.priority(pid))


@pytest.mark.parametrize(
    ("pid", "text", "title", "how"),
    [
        ("P1", "Deliver patient involvement and experience (PEI) strategy",
         "Deliver patient involvement and experience strategy", "title"),
        ("P1", "Carers strategy", "Deliver the carers strategy", "title"),
        ("P2", "Deliver Oxfordshire Community Pathway : Locality & Bed Based services (OPD)",
         "Deliver Oxfordshire Community Pathway: Locality & Bed Based services (OPD)", "title"),
        ("P4", "Deliver Equality, Diversity & Inclusion Workplan",
         "Deliver Equality, Diversity & Inclusion Strategy", "alias"),
        ("P5", "Cost Improvement Programme", "Deliver the Cost Improvement Programme", "title"),
        ("P6", "Clinical Research Network (CRN)",
         "Research partnerships (BRC, CLAHRC, CRF, CRN, DEC, MIC)", "alias"),
        ("P7", "Reporting presentation layer", "Reporting Presentation Layer", "title"),
        ("P7", "Enhance core IT infrastructure.", "Enhance core IT infrastructure", "title"),
        ("P4", "Deliver workforce strategy to attract & retain staff",
         "Deliver workforce strategy to attract and retain staff", "title"),
        ("P3", "Implement recommendations of the Mazars review",
         "Implement the recommendations from the Mazars review", "fuzzy"),
        ("P2", "2.", "Deliver new Learning Disability service (Adults)", "number"),
        ("P2", "Perinatal mental health service", None, "none"),
    ],
)
def test_workstream_matching(pid: str, text: str, title: str | None, how: str) -> None:
    match = best_match(text, _ws(pid))
    assert (match.key, match.how) == (title, how)


def test_a_tie_is_a_finding_not_a_coin_toss() -> None:
    from planreports.reconcile.match import Candidate

    candidates = [Candidate("a", 1, "Deliver estates strategy north"),
                  Candidate("b", 2, "Deliver estates strategy south")]
    match = best_match("estates strategy", candidates)
    assert match.how in {"ambiguous", "none"}
    assert match.key is None


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("Deliver patient involvement & experience strategy (trust-wide)",
         "patient involvement and experience strategy"),
        ("1. To make care a joint endeavour", "make care joint endeavour"),
        ("Embed New Performance Team", "new performance team"),
    ],
)
def test_normalise_title(text: str, normalised: str) -> None:
    assert normalise_title(text) == normalised


@pytest.mark.parametrize(
    ("text", "number"),
    [("1. To make care", 1), ("P3", 3), ("Priority 2", 2), ("2020/21 Ambition", None),
     ("12) Estates", 12), ("Q3 delivery", None)],
)
def test_number_prefix(text: str, number: int | None) -> None:
    assert number_prefix(text) == number
