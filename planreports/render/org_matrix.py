"""Priority x organisation: where each member of a system stands, as a heat map. Pure logic.

A cell counts the organisation's items under the priority by RAG. Its shade is a risk score:
the share of its rated items at each open status, weighted from 1 for the worst (Red) down to
0 for the best open one (Green), complete statuses 0; so 100 is all Red and 0 all Green or
complete. The shade runs between tints of the configured RAG colours, light enough that the
counts printed on it stay legible in black.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from planreports.model import Item, PackView

NO_ORGANISATION = "(no organisation)"
TINT = 0.35  # the strength of a RAG colour in a heat-map shade (the rest is white)
EMPTY_SHADE = "#F0F4F5"  # a cell with no items: NHS pale grey


@dataclass(frozen=True, slots=True)
class Cell:
    counts: Mapping[str | None, int]  # RAG key (None: no RAG) -> items

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True, slots=True)
class MatrixRow:
    organisation: str | None  # id; None for items no organisation claims
    name: str
    cells: tuple[Cell, ...]  # one per matrix column
    total: Cell


@dataclass(frozen=True, slots=True)
class OrgMatrix:
    priorities: tuple[str | None, ...]  # priority ids (None: not in config), in plan order
    rows: tuple[MatrixRow, ...]  # organisations in config order, then the unclaimed
    total: MatrixRow  # every organisation together


def _cell(items: Sequence[Item]) -> Cell:
    counts: dict[str | None, int] = {}
    for item in items:
        counts[item.rag] = counts.get(item.rag, 0) + 1
    return Cell(counts)


def spans_organisations(view: PackView) -> bool:
    """Whether the pack's items come from more than one organisation (a roll-up): then each
    item's row says whose it is."""
    config: Any = view.config
    return bool(config.organisations) and len({i.organisation for i in view.items}) > 1


def whose(view: PackView) -> Callable[[Item], str]:
    """item -> "NBT: " in a roll-up, "" otherwise: the prefix of a row's project title."""
    if not spans_organisations(view):
        return lambda item: ""
    return lambda item: f"{item.organisation}: " if item.organisation else "(no organisation): "


def organisation_matrix(view: PackView) -> OrgMatrix | None:
    """The pack's matrix, or None where there is nothing to compare: a single trust, or a
    member's own pack."""
    config: Any = view.config
    if not config.organisations:
        return None
    from planreports.packs import pack_of

    wanted = pack_of(view).organisations or tuple(o.id for o in config.organisations)
    unclaimed = any(i.organisation is None for i in view.items)
    if len(wanted) + unclaimed < 2:
        return None
    reported = {i.priority for i in view.items}
    priorities: list[str | None] = [p.id for p in config.priorities if p.id in reported]
    if None in reported or any(pid not in priorities for pid in reported):
        priorities.append(None)
    grouped: dict[tuple[str | None, str | None], list[Item]] = {}
    for item in view.items:
        pid = item.priority if item.priority in priorities else None
        grouped.setdefault((item.organisation, pid), []).append(item)
    members: list[tuple[str | None, str]] = [
        (oid, org.name if (org := config.organisation_named(oid)) else oid) for oid in wanted
    ]
    if unclaimed:
        members.append((None, NO_ORGANISATION))

    def row(oid: str | None, name: str, of: set[str | None]) -> MatrixRow:
        cells = tuple(
            _cell([i for o in of for i in grouped.get((o, pid), ())]) for pid in priorities
        )
        every: dict[str | None, int] = {}
        for cell in cells:
            for key, n in cell.counts.items():
                every[key] = every.get(key, 0) + n
        return MatrixRow(oid, name, cells, Cell(every))

    rows = tuple(row(oid, name, {oid}) for oid, name in members)
    total = row(None, "All organisations", {oid for oid, _ in members})
    return OrgMatrix(tuple(priorities), rows, total)


def risk_score(cell: Cell, rag: Sequence[Any]) -> float | None:
    """0 (all best open status or complete) to 100 (all worst status); None: nothing rated."""
    open_keys = [s.key for s in rag if not s.complete]
    steps = max(len(open_keys) - 1, 1)
    weight = {key: 1 - i / steps for i, key in enumerate(open_keys)}
    rated = {k: n for k, n in cell.counts.items() if k is not None}
    if not rated:
        return None
    score = sum(weight.get(k, 0.0) * n for k, n in rated.items()) / sum(rated.values())
    return round(100 * score, 1)


def _hex(rgb: Sequence[float]) -> str:
    return "#" + "".join(f"{round(c):02X}" for c in rgb)


def _rgb(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def tint(colour: str, strength: float = TINT) -> str:
    """The colour mixed with white: `strength` 1 is the colour, 0 white."""
    return _hex([255 + (c - 255) * strength for c in _rgb(colour)])


def scale_colours(rag: Sequence[Any]) -> tuple[str, str, str]:
    """(score 0, score 50, score 100) shades: tints of the best open, middle and worst."""
    open_colours = [s.colour for s in rag if not s.complete] or [s.colour for s in rag]
    low, high = open_colours[-1], open_colours[0]
    mid = open_colours[len(open_colours) // 2] if len(open_colours) > 2 else high
    return tint(low), tint(mid), tint(high)


def shade(score: float | None, rag: Sequence[Any]) -> str:
    """The cell's heat-map fill: the three-colour scale Excel's own would give."""
    if score is None:
        return EMPTY_SHADE
    low, mid, high = (_rgb(c) for c in scale_colours(rag))
    t = score / 100
    a, b, f = (low, mid, t * 2) if t <= 0.5 else (mid, high, (t - 0.5) * 2)
    return _hex([x + (y - x) * f for x, y in zip(a, b, strict=True)])


def counts_text(cell: Cell, rag: Sequence[Any], sep: str = " ") -> str:
    """'3R 2A 5G' worst first; 'no RAG' counted; '–' for an empty cell."""
    parts = [f"{cell.counts[s.key]}{s.key}" for s in rag if cell.counts.get(s.key)]
    if cell.counts.get(None):
        parts.append(f"{cell.counts[None]} no RAG")
    return sep.join(parts) or "\u2013"


NO_RETURN = "no return"


def cell_text(line: MatrixRow, cell: Cell, rag: Sequence[Any]) -> str:
    """The counts, except that a member with no items at all says so in its total."""
    if cell is line.total and not cell.total and line.organisation is not None:
        return NO_RETURN
    return counts_text(cell, rag)
