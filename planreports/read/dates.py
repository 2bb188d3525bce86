"""Milestone due dates from what trackers hold: real dates, serials, ISO and free text.

`parse_due(value, as_of)` reads a due-date cell the way a PMO analyst would on the reporting
date `as_of`. The rules, in the order a reader applies them:

- Empty cell or blank text: kind "empty". A no-date word ("TBC", "?", "ongoing", "n/a", "-",
  "as required"...), alone or inside text that holds no date: kind "none".
- A real `date`/`datetime`, or an Excel serial (1900 date system) between 1 Jan 1990 and
  31 Dec 2100: that date. Anything dated outside 1990-2100 is "unparsed": such a date in a
  tracker is a typing slip (or a zero formatted as a date), never a plan.
- Numeric dates are always UK day-first ("31/10/18", "31.10.2018", "1-11-18"); "13/25/2018" is
  unparsed, never read in US order. ISO "2018-03-31" is read as ISO.
- A month without a day ("Nov 18", "November 2018", "Sep-17", "End March") is due on the
  month's last day: a milestone given as a month is due by its end. "start of"/"early" give the
  1st and "mid" the 15th.
- NHS financial years run April-March: "2019/20" (also "19/20", "FY20", "FY 2019/20") is due
  31 March 2020; a quarter ("Q3 2019/20", "Q3 19/20", "2019/20 Q3", "Q2 FY18") on the
  quarter's last day (Q1 Apr-Jun, Q2 Jul-Sep, Q3 Oct-Dec, Q4 Jan-Mar). "FY18" is the year
  ending March 2018. A quarter alone ("Q3") is that quarter of the financial year containing
  `as_of`, or of the next financial year when it ended before `as_of`.
- THE YEAR RULE, for text without a year ("14 Sept", "By 31st Oct", "Nov", "w/c 5 Nov"): the
  one such date in the 365-day window from 182 days before `as_of` (exclusive) to 183 days
  after it (inclusive). So the date nearest the reporting date wins and, at the edges, the
  future does: at as_of 30 Sep 2018 "14 Sept" is 14 Sep 2018 (overdue), "End March" is
  31 Mar 2019, "April" is 30 Apr 2018. A range ("November to April", "Sept/Oct") is due at its
  end, with the end's year chosen on or after the start.
- "Mon NN" with a space ("Nov 18") is month-and-year when 20NN is from one year before to two
  years after `as_of`'s year, else a day ("Sept 24" at 2018 = 24 Sep). A hyphen or apostrophe
  ("Sep-17", "Nov'18") always means a year: it is Excel's mmm-yy format.
- "w/c 5 Nov" (week commencing) is due on the Monday given, i.e. the date written.
- Free text with a date inside ("Paper to SDOG Nov 18") gives that date. Several dates that
  are not a range give the latest (the milestone is done when its last step is).

`ambiguous` is True when the text allowed more than one reading and the rule above chose one:
"Nov 18" (30 Nov 2018 or 18 Nov), "10/11" (10 Nov or FY 2010/11), "Q4 2018" (a financial or
a calendar quarter), a bare year, or several dates that are not a range. The date is still
given; a caller that wants to keep such text beside the date can.

python-dateutil is not used: its fuzzy parser guesses month-first and invents today's year,
which is exactly the ambiguity a board paper cannot have.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

Kind = Literal["date", "none", "unparsed", "empty"]

EARLIEST = dt.date(1990, 1, 1)
LATEST = dt.date(2100, 12, 31)
# Excel's 1900 date system counts days from 30 Dec 1899 (its phantom 29 Feb 1900 is below
# any serial we accept, so the offset is exact here).
EXCEL_EPOCH = dt.date(1899, 12, 30)
MIN_SERIAL = (EARLIEST - EXCEL_EPOCH).days
MAX_SERIAL = (LATEST - EXCEL_EPOCH).days
# The year rule's window around as_of: 182 days back (exclusive) to 183 ahead (inclusive).
WINDOW_BACK = dt.timedelta(days=182)
WINDOW_AHEAD = dt.timedelta(days=183)
# "Nov 18" reads as Nov 2018 when 2018 is within these years of as_of's year.
MONTH_YEAR_SPAN = (-1, 2)


@dataclass(frozen=True)
class DueDate:
    """A due-date cell as read: the date (kind "date" only), what kind of value it was, the
    text it came from, and whether the text allowed another reading."""

    date: dt.date | None
    kind: Kind
    text: str
    ambiguous: bool = False


MONTHS: dict[str, int] = {
    "january": 1, "jan": 1,
    "february": 2, "feb": 2, "febuary": 2,
    "march": 3, "mar": 3,
    "april": 4, "apr": 4,
    "may": 5,
    "june": 6, "jun": 6,
    "july": 7, "jul": 7,
    "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9,
    "october": 10, "oct": 10,
    "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}

# Whole-cell values that mean "no date", compared after lower-casing and trimming punctuation.
NO_DATE_WORDS = frozenset({
    "tbc", "tba", "tbd", "tbe", "tbc.", "to be confirmed", "to be agreed", "to be determined",
    "?", "??", "???", "ongoing", "on-going", "on going", "continuous", "continual",
    "n/a", "na", "n.a.", "not applicable", "-", "--", "none", "nil", "various", "as required",
    "as needed", "as and when", "when required", "weekly", "monthly", "quarterly", "annually",
    "annual", "bau", "business as usual", "complete", "completed", "done", "closed", "achieved",
})
# Inside longer text with no date, these words still say the date is not set
# ("Approve key products required – TBC", "Review at DoFs - date tbc").
NO_DATE_IN_TEXT = re.compile(r"(?<![a-z])(tbc|tba|tbd|to be confirmed|on-?going)(?![a-z])", re.I)

_MONTH_ALT = "|".join(sorted(MONTHS, key=len, reverse=True))
MON = rf"(?P<mon>{_MONTH_ALT})\.?(?![a-z])"
ORD = r"(?:st|nd|rd|th)"

ISO = re.compile(r"(?<!\d)(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?!\d)")
NUMERIC_DMY = re.compile(
    r"(?<![\d/.-])(?P<d>\d{1,2})(?P<sep>[/.-])(?P<m>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})(?![\d/-])"
    r"(?!\.\d)"
)
FY_YEARS = (
    r"(?:FY\s*)?(?P<{p}a>\d{{4}}|\d{{2}})\s*[/-]\s*(?P<{p}b>\d{{4}}|\d{{2}})"  # 2019/20, 19/20
    r"|FY\s*(?P<{p}fy>\d{{4}}|\d{{2}})"  # FY18 = year ending March 2018
    r"|(?P<{p}cal>\d{{4}})"  # Q4 2018: ambiguous
)
QUARTER_WORD = r"(?:Q|Qtr\.?\s*|Quarter\s*)(?P<q>[1-4])"
QUARTER_YEAR = re.compile(
    rf"(?<![a-z0-9]){QUARTER_WORD}[\s,]*(?:of\s+)?(?:{FY_YEARS.format(p='x')})(?![\d/])", re.I
)
YEAR_QUARTER = re.compile(
    rf"(?<![\d/])(?:{FY_YEARS.format(p='x')})[\s,-]*{QUARTER_WORD}(?![a-z0-9])", re.I
)
QUARTER_ALONE = re.compile(rf"(?<![a-z0-9]){QUARTER_WORD}(?![a-z0-9])", re.I)
DAY_MONTH = re.compile(
    rf"(?<![\w/.])(?P<d>\d{{1,2}}){ORD}?(?:-|\s*(?:of\s+)?){MON}"
    rf"(?:(?P<ysep>[\s,'-]+)(?P<y>\d{{4}}|\d{{2}})(?![a-z0-9/]))?",
    re.I,
)
MONTH_NUMBER = re.compile(
    rf"(?<![a-z]){MON}(?P<sep>[\s'-]*)(?P<n>\d{{4}}|\d{{1,2}})(?P<ord>{ORD})?"
    rf"(?:,?\s*(?P<y>\d{{4}}))?(?![a-z0-9/])",
    re.I,
)
MONTH_ALONE = re.compile(rf"(?<![a-z]){MON}", re.I)
FINANCIAL_YEAR = re.compile(rf"(?<![\d/]){FY_YEARS.format(p='')}(?![\d/])", re.I)
MONTH_YEAR_NUMERIC = re.compile(r"(?<![\d/.])(?P<m>\d{1,2})/(?P<y>\d{4})(?![\d/])")
DAY_MONTH_NUMERIC = re.compile(r"(?<![\d/.])(?P<d>\d{1,2})/(?P<m>\d{1,2})(?![\d/])")
BARE_YEAR = re.compile(r"^(?:by|end(?: of)?|during|in)?\s*(?P<y>(?:19|20)\d{2})$", re.I)
SERIAL_TEXT = re.compile(r"^\d{5}(?:\.\d+)?$")

# Between two dates, these make a range whose end is the due date ("November to April").
RANGE_JOIN = re.compile(r"^\s*(?:-|/|to|until|till|through|and|&)\s*$", re.I)
START_OF = re.compile(r"(?:start|beginning|begining|early|commencing)\s*(?:of\s*)?$", re.I)
MID = re.compile(r"mid[\s-]*(?:of\s*)?$", re.I)
# A lower-case month word alone is usually an English word ("this may slip"); accept it only
# after a word that introduces a date.
DATE_LEAD_IN = re.compile(
    r"(?:end|of|by|mid|early|late|in|from|to|until|start|beginning|during)[\s-]*$", re.I
)
ENGLISH_WORDS = frozenset({"may", "march", "mar"})


@dataclass(frozen=True)
class _Found:
    """One date read from a span of the text."""

    start: int
    end: int
    date: dt.date | None  # None: the span looked like a date but is not one (13/25/2018)
    ambiguous: bool = False
    inferred: tuple[int, int | None] | None = None  # (month, day) when the year was guessed


def parse_due(value: object, as_of: dt.date) -> DueDate:
    """Read one due-date cell on the reporting date `as_of` (see the module docstring)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return DueDate(None, "empty", "")
    if isinstance(value, dt.datetime):
        return _real_date(value.date())
    if isinstance(value, dt.date):
        return _real_date(value)
    if isinstance(value, bool):
        return DueDate(None, "unparsed", str(value))
    if isinstance(value, int | float):
        return _serial(value, str(value))
    text = " ".join(str(value).replace("\u00a0", " ").split())
    if not text:
        return DueDate(None, "empty", "")
    return _parse_text(text, as_of)


def excel_serial_to_date(serial: float) -> dt.date | None:
    """An Excel 1900-system serial as a date, or None outside 1990-2100."""
    if not math.isfinite(serial) or not MIN_SERIAL <= serial < MAX_SERIAL + 1:
        return None
    return EXCEL_EPOCH + dt.timedelta(days=math.floor(serial))


def _real_date(value: dt.date) -> DueDate:
    if EARLIEST <= value <= LATEST:
        return DueDate(value, "date", value.isoformat())
    return DueDate(None, "unparsed", value.isoformat())


def _serial(value: float, text: str) -> DueDate:
    date = excel_serial_to_date(float(value))
    if date is None:
        return DueDate(None, "unparsed", text)
    return DueDate(date, "date", text)


def _parse_text(text: str, as_of: dt.date) -> DueDate:
    norm = text.replace("\u2019", "'").replace("\u2018", "'")
    norm = norm.replace("\u2013", "-").replace("\u2014", "-")
    if norm.lower().strip(" .!") in NO_DATE_WORDS or norm in NO_DATE_WORDS:
        return DueDate(None, "none", text)
    if SERIAL_TEXT.match(norm):  # a serial that a CSV export wrote as text
        return _serial(float(norm), text)
    bare = BARE_YEAR.match(norm)
    if bare:
        year = int(bare["y"])
        if EARLIEST.year <= year <= LATEST.year:
            # "by 2020" is a calendar year-end; a financial year would be written 2019/20.
            return DueDate(dt.date(year, 12, 31), "date", text, ambiguous=True)
    found = _scan(norm, as_of)
    dates = [f for f in found if f.date is not None]
    if not dates:
        kind: Kind = "none" if NO_DATE_IN_TEXT.search(norm) else "unparsed"
        return DueDate(None, kind, text)
    due, ambiguous = _combine(norm, dates)
    return DueDate(due, "date", text, ambiguous)


def _combine(text: str, dates: list[_Found]) -> tuple[dt.date, bool]:
    """One due date from the dates found in order: a range's end, else the latest."""
    ambiguous = any(f.ambiguous for f in dates)
    resolved: list[dt.date] = []
    ranges = 0
    for i, found in enumerate(dates):
        date = found.date or EARLIEST  # never None: the caller passes dates only
        if i and RANGE_JOIN.match(text[dates[i - 1].end:found.start]):
            ranges += 1
            previous = resolved[-1]
            if date < previous and found.inferred is not None:
                date = _on_or_after(found.inferred, previous) or date
        resolved.append(date)
    if len(set(resolved)) > 1 and ranges < len(resolved) - 1:
        ambiguous = True
    return max(resolved), ambiguous


# --- scanning -------------------------------------------------------------------------------

Handler = Callable[[re.Match[str], str, dt.date], _Found | None]


def _scan(text: str, as_of: dt.date) -> list[_Found]:
    """Every date-like span, most specific pattern first; a span is read only once."""
    taken: list[_Found] = []
    for pattern, handler in _PATTERNS:
        for match in pattern.finditer(text):
            if any(match.start() < f.end and f.start < match.end() for f in taken):
                continue
            found = handler(match, text, as_of)
            if found is not None:
                taken.append(found)
    return sorted(taken, key=lambda f: f.start)


def _iso(match: re.Match[str], text: str, as_of: dt.date) -> _Found:
    return _found(match, _make(int(match["y"]), int(match["m"]), int(match["d"])))


def _numeric(match: re.Match[str], text: str, as_of: dt.date) -> _Found:
    return _found(match, _make(_full_year(match["y"]), int(match["m"]), int(match["d"])))


def _month_year_numeric(match: re.Match[str], text: str, as_of: dt.date) -> _Found:
    month, year = int(match["m"]), int(match["y"])
    if not 1 <= month <= 12:
        return _found(match, None)
    return _found(match, _month_end(year, month, text[: match.start()]))


def _quarter_year(match: re.Match[str], text: str, as_of: dt.date) -> _Found:
    quarter = int(match["q"])
    start, calendar_year = _fy_start(match, "x")
    if start is None:
        return _found(match, None)
    if calendar_year and quarter == 4:
        start -= 1  # "Q4 2018" is Jan-Mar 2018: the NHS quarter whose months fall in 2018
    return _found(match, _quarter_end(start, quarter), ambiguous=calendar_year)


def _quarter_alone(match: re.Match[str], text: str, as_of: dt.date) -> _Found:
    quarter = int(match["q"])
    start = as_of.year if as_of.month >= 4 else as_of.year - 1
    end = _quarter_end(start, quarter)
    if end is not None and end < as_of:
        end = _quarter_end(start + 1, quarter)
    return _found(match, end)


def _day_month(match: re.Match[str], text: str, as_of: dt.date) -> _Found | None:
    month, day = MONTHS[match["mon"].lower()], int(match["d"])
    if match["y"] is not None:
        year = _full_year(match["y"])
        # "8 Oct 12 attendees": a two-digit number after a space is a year only if plausible.
        if len(match["y"]) == 4 or set(match["ysep"]) & set("-',") or _plausible(year, as_of):
            return _found(match, _make(year, month, day))
        return _Found(match.start(), match.start("ysep"), *_guess(month, day, as_of))
    return _found(match, *_guess(month, day, as_of))


def _month_number(match: re.Match[str], text: str, as_of: dt.date) -> _Found | None:
    month, raw = MONTHS[match["mon"].lower()], match["n"]
    number = int(raw)
    if match["y"] is not None:  # "October 31, 2018"
        return _found(match, _make(int(match["y"]), month, number))
    if match["ord"] or len(raw) == 1:  # "Oct 31st", "Nov 5"
        return _found(match, *_guess(month, number, as_of))
    if len(raw) == 4:  # "November 2018"
        return _found(match, _month_end(number, month, text[: match.start()]))
    year = _full_year(raw)
    day_fits = 1 <= number <= _days_in(2000, month)
    if "-" in match["sep"] or "'" in match["sep"] or not day_fits or _plausible(year, as_of):
        ambiguous = day_fits and not ("-" in match["sep"] or "'" in match["sep"])
        return _found(match, _month_end(year, month, text[: match.start()]), ambiguous=ambiguous)
    return _found(match, *_guess(month, number, as_of))


def _month_alone(match: re.Match[str], text: str, as_of: dt.date) -> _Found | None:
    word = match["mon"]
    before = text[: match.start()]
    if word.lower() in ENGLISH_WORDS and word.islower() and match.start() > 0 and (
        not DATE_LEAD_IN.search(before)
    ):
        return None
    month = MONTHS[word.lower()]
    day = 1 if START_OF.search(before) else 15 if MID.search(before) else None
    date, _, inferred = _guess(month, day, as_of)
    return _Found(match.start(), match.end(), date, inferred=inferred)


def _financial_year(match: re.Match[str], text: str, as_of: dt.date) -> _Found | None:
    if match["cal"] is not None:
        return None  # a lone four-digit number is not a financial year
    if match["a"] is not None and match["b"] is not None and len(match["a"]) == 2:
        day, month = int(match["a"]), int(match["b"])
        if 1 <= month <= 12 and 1 <= day <= _days_in(2000, month):
            return None  # "10/11" is a day and month first (DAY_MONTH_NUMERIC reads it)
    start, _ = _fy_start(match, "")
    if start is None:
        return None
    return _found(match, _make(start + 1, 3, 31))


def _day_month_numeric(match: re.Match[str], text: str, as_of: dt.date) -> _Found | None:
    day, month = int(match["d"]), int(match["m"])
    if not 1 <= month <= 12:
        return None
    date, _, inferred = _guess(month, day, as_of)
    # "10/11" is also financial year 2010/11.
    ambiguous = month == (day + 1) % 100
    return _Found(match.start(), match.end(), date, ambiguous, inferred)


_PATTERNS: tuple[tuple[re.Pattern[str], Handler], ...] = (
    (ISO, _iso),
    (NUMERIC_DMY, _numeric),
    (MONTH_YEAR_NUMERIC, _month_year_numeric),
    (QUARTER_YEAR, _quarter_year),
    (YEAR_QUARTER, _quarter_year),
    (DAY_MONTH, _day_month),
    (MONTH_NUMBER, _month_number),
    (FINANCIAL_YEAR, _financial_year),
    (QUARTER_ALONE, _quarter_alone),
    (MONTH_ALONE, _month_alone),
    (DAY_MONTH_NUMERIC, _day_month_numeric),
)


# --- small date arithmetic ------------------------------------------------------------------


def _found(
    match: re.Match[str],
    date: dt.date | None,
    ambiguous: bool = False,
    inferred: tuple[int, int | None] | None = None,
) -> _Found:
    return _Found(match.start(), match.end(), date, ambiguous, inferred)


def _make(year: int, month: int, day: int) -> dt.date | None:
    if not EARLIEST.year <= year <= LATEST.year:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _days_in(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _full_year(digits: str) -> int:
    year = int(digits)
    if len(digits) == 2:
        return 1900 + year if year >= 90 else 2000 + year
    return year


def _plausible(year: int, as_of: dt.date) -> bool:
    low, high = MONTH_YEAR_SPAN
    return as_of.year + low <= year <= as_of.year + high


def _month_end(year: int, month: int, before: str) -> dt.date | None:
    if not EARLIEST.year <= year <= LATEST.year:
        return None
    day = 1 if START_OF.search(before) else 15 if MID.search(before) else _days_in(year, month)
    return dt.date(year, month, day)


def _on_date(year: int, month: int, day: int | None) -> dt.date | None:
    if day is None:
        day = _days_in(year, month)
    return _make(year, month, day)


def _guess(
    month: int, day: int | None, as_of: dt.date
) -> tuple[dt.date | None, bool, tuple[int, int | None]]:
    """The year rule: the date in (as_of - 182 days, as_of + 183 days]; else the nearest."""
    options = [
        d for y in (as_of.year - 1, as_of.year, as_of.year + 1)
        if (d := _on_date(y, month, day)) is not None
    ]
    in_window = [d for d in options if as_of - WINDOW_BACK < d <= as_of + WINDOW_AHEAD]
    if in_window:
        return in_window[0], False, (month, day)
    # Only 29 February can miss the window: then the nearest leap day, the later on a tie.
    options = [
        d for y in range(as_of.year - 4, as_of.year + 5)
        if (d := _on_date(y, month, day)) is not None
    ]
    if not options:
        return None, False, (month, day)
    best = min(options, key=lambda d: (abs((d - as_of).days), d < as_of))
    return best, False, (month, day)


def _on_or_after(inferred: tuple[int, int | None], start: dt.date) -> dt.date | None:
    month, day = inferred
    for year in (start.year, start.year + 1):
        date = _on_date(year, month, day)
        if date is not None and date >= start:
            return date
    return None


def _fy_start(match: re.Match[str], prefix: str) -> tuple[int | None, bool]:
    """The calendar year a financial year starts in, and whether only a calendar year was
    written ("Q4 2018": a financial or a calendar quarter, so the reading is a guess)."""
    a, b = match[prefix + "a"], match[prefix + "b"]
    if a is not None and b is not None:
        first, second = _full_year(a), int(b)
        if second % 100 != (first + 1) % 100 or (len(b) == 4 and second != first + 1):
            return None, False
        return (first if EARLIEST.year <= first < LATEST.year else None), False
    if match[prefix + "fy"] is not None:
        end = _full_year(match[prefix + "fy"])
        return (end - 1 if EARLIEST.year < end <= LATEST.year else None), False
    year = int(match[prefix + "cal"])
    return (year if EARLIEST.year <= year < LATEST.year else None), True


def _quarter_end(fy_start: int, quarter: int) -> dt.date | None:
    if quarter == 4:
        return _make(fy_start + 1, 3, 31)
    return _make(fy_start, 3 * quarter + 3, 30 if quarter in (1, 2) else 31)
