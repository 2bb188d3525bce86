"""What the command line prints: findings (in full, or grouped past a few dozen), counts, progress.

Printing is kept cheap whatever the run's size: a region's 300 trackers can raise thousands of
findings, and a table of every one costs more than reading the trackers (and is read by no one).
Past `FULL_LIMIT` the terminal gets one line per finding code, with the files most concerned;
the full list stays in run.json and the workbook's data-quality sheet.
"""

from __future__ import annotations

import textwrap
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Column, Table
from rich.text import Text

from planreports.findings import local_message
from planreports.model import SEVERITY_ORDER, Finding

FULL_LIMIT = 40  # findings printed one by one; past this, grouped by code
SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "dim"}
PLAN = "The plan (config.yaml)"


def plural(n: int, word: str, many: str | None = None) -> str:
    """'1 error', '2 errors', '1,204 findings'."""
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def tally(findings: Sequence[Finding]) -> str:
    """'9 findings: 3 warnings, 6 info' (severities worst first, those present only)."""
    by = Counter(f.severity for f in findings)
    parts = [plural(by[s], s) if s != "info" else f"{by[s]:,} info"
             for s in SEVERITY_ORDER if by[s]]
    return plural(len(findings), "finding") + (": " + ", ".join(parts) if parts else "")


def shown(findings: Sequence[Finding], quiet: bool) -> list[Finding]:
    """The findings a run prints: under --quiet, errors and warnings only."""
    return [f for f in findings if not quiet or f.severity != "info"]


def print_findings(
    out: Console, findings: Sequence[Finding], *, every: bool = False, quiet: bool = False,
    full_list: str = "run.json",
) -> None:
    """Each finding under its file and sheet, or, past FULL_LIMIT, a summary by code."""
    findings = shown(findings, quiet)
    if not findings:
        if not quiet:
            out.print("No findings.")
        return
    if every or len(findings) <= FULL_LIMIT:
        _print_each(out, findings)
    else:
        errors = [f for f in findings if f.severity == "error"]
        if errors and len(errors) <= FULL_LIMIT:
            _print_each(out, errors)
        _print_grouped(out, findings)
        out.print(
            f"{tally(findings)}; grouped by code past {FULL_LIMIT}: every one, with its "
            f"cell, is in {full_list} (or print them all with --all)"
        )
        return
    out.print(tally(findings))


def _place(f: Finding) -> str:
    if not f.file:
        return PLAN
    return f"{f.file}, sheet '{f.sheet}'" if f.sheet else f.file


def _print_each(out: Console, findings: Sequence[Finding]) -> None:
    """One line per finding under its file and sheet, the message wrapped beside its code.

    Laid out by hand, not as a rich table: the columns line up across groups, wrapped lines
    carry no padding, and a few dozen lines cost nothing to print.
    """
    groups: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        groups[_place(f)].append(f)
    cell_width = max(len(f.cell or f.priority or "-") for f in findings)
    code_width = max(len(f.code) for f in findings)
    indent = 2 + cell_width + 1 + 7 + 1 + code_width + 1
    width = (out.width or 80) - 1
    room = width - indent
    if room < 30:  # too narrow to wrap beside the code: the message goes below, indented
        indent, room = 6, max(20, width - 6)
        below = True
    else:
        below = False
    for place in sorted(groups, key=lambda p: (p == PLAN, p.lower())):
        out.print(Text(place, style="bold"), soft_wrap=True)
        rows = sorted(groups[place], key=lambda f: (SEVERITY_ORDER[f.severity], _cell_key(f)))
        for f in rows:
            head = Text("  " + (f.cell or f.priority or "-").ljust(cell_width) + " ")
            head.append(f.severity.ljust(7), style=SEVERITY_STYLE[f.severity])
            head.append(" " + f.code.ljust(code_width) + " ")
            lines = textwrap.wrap(local_message(f), room) or [""]
            if below:
                out.print(head, soft_wrap=True)
                first, rest = [], lines
            else:
                first, rest = lines[:1], lines[1:]
            head.append(first[0] if first else "")
            if not below:
                out.print(head, soft_wrap=True)
            for line in rest:
                out.print(" " * indent + line, soft_wrap=True, markup=False)


def _cell_key(f: Finding) -> tuple[int, str, int]:
    cell = f.cell or ""
    letters = cell.rstrip("0123456789")
    digits = cell[len(letters):]
    return (int(digits) if digits else 0, letters, 0)


def _print_grouped(out: Console, findings: Sequence[Finding]) -> None:
    by_code: dict[tuple[int, str, str], list[Finding]] = defaultdict(list)
    for f in findings:
        by_code[(SEVERITY_ORDER[f.severity], f.severity, f.code)].append(f)
    table = Table(box=None, pad_edge=False, padding=(0, 1, 0, 0), title_justify="left",
                  header_style="bold")
    table.add_column("count", justify="right", no_wrap=True)
    table.add_column("severity", no_wrap=True)
    table.add_column("code", no_wrap=True)
    table.add_column("where most", overflow="fold", ratio=1)
    for (_, severity, code), group in sorted(by_code.items()):
        files = Counter(f.file or PLAN for f in group)
        top = ", ".join(f"{name} ({n})" for name, n in files.most_common(2))
        more = len(files) - 2
        where = top + (f" and {plural(more, 'other file')}" if more > 0 else "")
        table.add_row(f"{len(group):,}", Text(severity, style=SEVERITY_STYLE[severity]), code,
                      where)
    out.print(table)


FRAMES = 20  # progress frames drawn for certain over a read, besides the refresh thread's


class ReadProgress:
    """A progress bar on a terminal: 'reading trackers 12 of 300', then the files written.

    Nothing at all when the output is not a terminal (a log, CI) or under --quiet.
    """

    def __init__(self, err: Console, total: int, *, enabled: bool) -> None:
        self.enabled = enabled and err.is_terminal
        self.total = total
        # The file name gives way on a narrow terminal; the count never does.
        whole = Column(no_wrap=True)
        self._progress = Progress(
            TextColumn("{task.description}", table_column=whole), BarColumn(),
            TextColumn("{task.completed:.0f} of {task.total:.0f} trackers", table_column=whole),
            TimeElapsedColumn(table_column=whole),
            TextColumn("{task.fields[name]}",
                       table_column=Column(no_wrap=True, overflow="ellipsis", ratio=1)),
            console=err, transient=True, expand=True,
        )
        self._task = None
        self._read = 0

    def __enter__(self) -> Callable[[str, str], None] | None:
        if not self.enabled:
            return self.waiting
        self._progress.start()
        self._task = self._progress.add_task("reading", total=self.total, name="")
        return self.report

    def waiting(self, stage: str, detail: str) -> None:
        """Without a bar, only a build held up by another one speaks (even in a log)."""
        if stage == "wait":
            self._progress.console.print(detail, highlight=False)

    def report(self, stage: str, detail: str) -> None:
        assert self._task is not None
        if stage == "wait":
            self._progress.console.print(detail, highlight=False)
        elif stage == "read":
            self._progress.update(self._task, advance=1, name=detail)
            self._read += 1
            # A frame at every twentieth of the trackers, however busy the machine: the
            # bar's own refresh thread may not be scheduled before a fast read is done.
            if self._read * FRAMES // self.total != (self._read - 1) * FRAMES // self.total:
                self._progress.refresh()
        else:
            self._progress.update(self._task, description="writing", name=detail,
                                  completed=self.total)

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self._progress.refresh()  # the last count is shown before the bar goes
            self._progress.stop()
