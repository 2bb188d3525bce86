"""Due dates as trackers write them: the seeds' free text, UK numeric dates, NHS quarters."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from planreports.read.dates import DueDate, excel_serial_to_date, parse_due

Q2_2017 = dt.date(2017, 9, 30)  # the Oxford Health FY18 Q2 report
Q2_2018 = dt.date(2018, 9, 30)  # the BNSSG single system plan, autumn 2018
D = dt.date

# (text, as_of, kind, date, ambiguous)
CASES = [
    # seed 004: BNSSG delivery plan milestones, written in September 2018
    ("Paper to SDOG Nov 18", Q2_2018, "date", D(2018, 11, 30), True),
    ("Identify Care & Quality metrics and report to SDOG Nov 18", Q2_2018, "date",
     D(2018, 11, 30), True),
    ("Shadow governance arrangements paper to SDOG Nov", Q2_2018, "date", D(2018, 11, 30), False),
    ("Proposal to SDOG Nov 18", Q2_2018, "date", D(2018, 11, 30), True),
    ("Approve key high level assumptions: DoFs 14 Sept", Q2_2018, "date", D(2018, 9, 14), False),
    ("Approve key products required \u2013 TBC", Q2_2018, "none", None, False),
    ("Iterations reviewed by DoFs and SDOG", Q2_2018, "unparsed", None, False),
    ("System Planners Group", Q2_2018, "unparsed", None, False),
    ("Exec group Oct", Q2_2018, "date", D(2018, 10, 31), False),
    ("Programme Plans SROs workshop 17 Sept [see GANTT chart in exec paper, attached]", Q2_2018,
     "date", D(2018, 9, 17), False),
    ("Review at DoFs - date tbc Discuss at SDOG workshop 8 Oct", Q2_2018, "date",
     D(2018, 10, 8), False),
    ("During Sept/Oct", Q2_2018, "date", D(2018, 10, 31), False),
    ("Take options to STP Exec Oct 2018, dependent on milestone above", Q2_2018, "date",
     D(2018, 10, 31), False),
    ("Scoping exercise of current governance Sept 18 Governance Workshop by PWC Sept 24 "
     "Sponsoring Board", Q2_2018, "date", D(2018, 9, 30), True),
    ("ToR approved by Sponsoring Board 24 September 11wk programme with 6 workshops tbc",
     Q2_2018, "date", D(2018, 9, 24), False),
    ("Application to be Shadow ICS, if agreed \u2013 Dec 18", Q2_2018, "date",
     D(2018, 12, 31), True),
    ("By 31st Oct as per STP CQUIN Towards end of process", Q2_2018, "date",
     D(2018, 10, 31), False),
    ("November to April", Q2_2018, "date", D(2019, 4, 30), False),
    # seed 002 and the brief, at the FY18 Q2 report date
    ("Nov 18", Q2_2017, "date", D(2018, 11, 30), True),
    ("Nov 18", Q2_2018, "date", D(2018, 11, 30), True),
    ("November 2018", Q2_2017, "date", D(2018, 11, 30), False),
    ("March 2019", Q2_2018, "date", D(2019, 3, 31), False),
    ("end of March 2019", Q2_2017, "date", D(2019, 3, 31), False),
    ("End March", Q2_2017, "date", D(2018, 3, 31), False),
    ("End March", Q2_2018, "date", D(2019, 3, 31), False),
    ("April", Q2_2018, "date", D(2018, 4, 30), False),  # 5 months back: overdue, not next year
    ("14 Sept", Q2_2017, "date", D(2017, 9, 14), False),
    ("14 Sept", Q2_2018, "date", D(2018, 9, 14), False),
    ("By 31st Oct", Q2_2017, "date", D(2017, 10, 31), False),
    ("31st October 2018", Q2_2017, "date", D(2018, 10, 31), False),
    ("w/c 5 Nov", Q2_2018, "date", D(2018, 11, 5), False),
    ("Q3 2019/20", Q2_2018, "date", D(2019, 12, 31), False),
    ("Q3 19/20", Q2_2018, "date", D(2019, 12, 31), False),
    ("2019/20 Q3", Q2_2018, "date", D(2019, 12, 31), False),
    ("Quarter 4 2017/18", Q2_2017, "date", D(2018, 3, 31), False),
    ("Q2 FY18", Q2_2017, "date", D(2017, 9, 30), False),
    ("Q3", Q2_2017, "date", D(2017, 12, 31), False),
    ("Q2", Q2_2017, "date", D(2017, 9, 30), False),  # ends on the reporting date: this year's
    ("Q1", Q2_2017, "date", D(2018, 6, 30), False),  # already past: next financial year's
    ("By the end of Q3", Q2_2018, "date", D(2018, 12, 31), False),
    ("Q4 2018", Q2_2017, "date", D(2018, 3, 31), True),  # financial or calendar quarter?
    ("2019/20", Q2_2018, "date", D(2020, 3, 31), False),
    ("FY18", Q2_2017, "date", D(2018, 3, 31), False),
    ("19/20", Q2_2018, "date", D(2020, 3, 31), False),
    ("Sept 2017", Q2_2017, "date", D(2017, 9, 30), False),
    ("Sep-17", Q2_2017, "date", D(2017, 9, 30), False),
    ("Nov'18", Q2_2017, "date", D(2018, 11, 30), False),
    ("1-Nov-18", Q2_2017, "date", D(2018, 11, 1), False),
    ("Oct 31st", Q2_2017, "date", D(2017, 10, 31), False),
    ("mid March", Q2_2018, "date", D(2019, 3, 15), False),
    ("start of May", Q2_2017, "date", D(2017, 5, 1), False),
    ("12/2018", Q2_2018, "date", D(2018, 12, 31), False),
    ("Dec 18 - Mar 19", Q2_2018, "date", D(2019, 3, 31), True),
    ("10/11", Q2_2018, "date", D(2018, 11, 10), True),  # 10 Nov, or financial year 2010/11
    ("by 2020", Q2_2018, "date", D(2020, 12, 31), True),
    # numeric dates are day-first, never US order
    ("2018-03-31", Q2_2017, "date", D(2018, 3, 31), False),
    ("2018-03-31 00:00:00", Q2_2017, "date", D(2018, 3, 31), False),
    ("31/10/18", Q2_2017, "date", D(2018, 10, 31), False),
    ("31/10/2018", Q2_2017, "date", D(2018, 10, 31), False),
    ("31.10.2018", Q2_2017, "date", D(2018, 10, 31), False),
    ("1-11-18", Q2_2017, "date", D(2018, 11, 1), False),
    ("05/11/2018", Q2_2017, "date", D(2018, 11, 5), False),
    ("13/25/2018", Q2_2017, "unparsed", None, False),
    ("31/11/2018", Q2_2017, "unparsed", None, False),
    ("43405", Q2_2018, "date", D(2018, 11, 1), False),  # a serial a CSV export wrote as text
    # no date
    ("TBC", Q2_2017, "none", None, False),
    ("TBA", Q2_2017, "none", None, False),
    ("tbd", Q2_2017, "none", None, False),
    ("?", Q2_2017, "none", None, False),
    ("ongoing", Q2_2017, "none", None, False),
    ("On-going", Q2_2017, "none", None, False),
    ("n/a", Q2_2017, "none", None, False),
    ("N/A", Q2_2017, "none", None, False),
    ("-", Q2_2017, "none", None, False),
    ("none", Q2_2017, "none", None, False),
    ("various", Q2_2017, "none", None, False),
    ("as required", Q2_2017, "none", None, False),
    ("this may slip", Q2_2017, "unparsed", None, False),  # "may" the verb is no month
    ("", Q2_2017, "empty", None, False),
    ("   ", Q2_2017, "empty", None, False),
]


@pytest.mark.parametrize(("text", "as_of", "kind", "date", "ambiguous"), CASES)
def test_free_text(text: str, as_of: dt.date, kind: str, date: dt.date | None,
                   ambiguous: bool) -> None:
    got = parse_due(text, as_of)
    assert (got.kind, got.date, got.ambiguous) == (kind, date, ambiguous)
    assert got.text == " ".join(text.split())


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, DueDate(None, "empty", "")),
        (float("nan"), DueDate(None, "empty", "")),
        (D(2018, 3, 31), DueDate(D(2018, 3, 31), "date", "2018-03-31")),
        (dt.datetime(2018, 3, 31, 17, 30), DueDate(D(2018, 3, 31), "date", "2018-03-31")),
        (43190, DueDate(D(2018, 3, 31), "date", "43190")),  # Excel serial, 1900 system
        (43190.75, DueDate(D(2018, 3, 31), "date", "43190.75")),
        (5, DueDate(None, "unparsed", "5")),
        (True, DueDate(None, "unparsed", "True")),
        # a zero formatted as a date shows as 1900: a slip, not a plan
        (dt.datetime(1899, 12, 31), DueDate(None, "unparsed", "1899-12-31")),
    ],
)
def test_values_that_are_not_text(value: object, expected: DueDate) -> None:
    assert parse_due(value, Q2_2017) == expected


def test_excel_serial_epoch() -> None:
    assert excel_serial_to_date(32874) == D(1990, 1, 1)
    assert excel_serial_to_date(73415) == D(2100, 12, 31)
    assert excel_serial_to_date(20000) is None  # 1954: outside the years a plan can mean


def test_year_rule_window_edges() -> None:
    """A year-less date lands in (as_of - 182 days, as_of + 183 days]."""
    as_of = D(2018, 9, 30)
    assert parse_due("31 March", as_of).date == D(2019, 3, 31)  # +182 days
    assert parse_due("1 April", as_of).date == D(2019, 4, 1)  # +183, not -182: the future wins
    assert parse_due("2 April", as_of).date == D(2018, 4, 2)  # -181 days
    assert parse_due("29 Feb", as_of).date == D(2020, 2, 29)  # no leap day in the window


@given(st.text(max_size=80), st.dates(min_value=D(1990, 1, 1), max_value=D(2100, 12, 31)))
def test_any_text_never_raises_and_stays_in_range(text: str, as_of: dt.date) -> None:
    got = parse_due(text, as_of)
    assert got.kind in {"date", "none", "unparsed", "empty"}
    assert (got.date is not None) == (got.kind == "date")
    if got.date is not None:
        assert D(1990, 1, 1) <= got.date <= D(2100, 12, 31)


_WORDS = st.sampled_from([
    "Nov", "Sept", "14", "31st", "Q3", "2019/20", "19/20", "FY18", "by", "end of", "w/c", "-",
    "/", "to", "TBC", "18", "2018", "31/10/18", "May", "may", "mid", "'", "Sep-17", "13/25",
])


@given(st.lists(_WORDS, max_size=8).map(" ".join),
       st.dates(min_value=D(1990, 1, 1), max_value=D(2100, 12, 31)))
def test_date_like_text_stays_in_range(text: str, as_of: dt.date) -> None:
    got = parse_due(text, as_of)
    if got.date is not None:
        assert D(1990, 1, 1) <= got.date <= D(2100, 12, 31)
