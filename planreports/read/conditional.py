"""Conditional formatting: which cells a rule colours, for the forms RAG trackers use.

A tracker often colours its RAG column by rule rather than by hand: `cellIs` equal to
"Red", `containsText` "Amber", or an `expression` such as `$G5="Delayed"` that looks at
another column (so the RAG cell itself may be blank). This module evaluates those forms on
the sheet's values, in Excel's order: rules by priority, the first rule that applies and
has a fill wins, and `stopIfTrue` stops the rules below it. Formulas beyond these forms
(functions of dates, other sheets, AND/OR) are not evaluated: they colour nothing here,
rather than a guessed colour.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from xml.etree.ElementTree import Element

M = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REF = re.compile(r"^(\$?)([A-Z]{1,3})(\$?)([0-9]{1,7})$")
_STRING = re.compile(r'^"((?:[^"]|"")*)"$')
_CALL = re.compile(r"^([A-Z.]+)\((.*)\)$", re.DOTALL)
_COMPARE = re.compile(r'^((?:"(?:[^"]|"")*"|[^"<>=])+?)\s*(<>|<=|>=|=|<|>)\s*(.+)$', re.DOTALL)
_OPERATORS = {
    "equal": "=", "notEqual": "<>", "greaterThan": ">", "lessThan": "<",
    "greaterThanOrEqual": ">=", "lessThanOrEqual": "<=",
}


@dataclass(frozen=True, slots=True)
class Rule:
    """One `cfRule`: where it applies, what it tests, and the fill it shows (if any)."""

    ranges: tuple[tuple[int, int, int, int], ...]  # (r0, c0, r1, c1), 0-based inclusive
    kind: str  # cellIs, containsText, expression, ...
    operator: str
    priority: int
    formulas: tuple[str, ...]
    text: str
    fill: str | None
    stop: bool


def _ref_to_rc(ref: str) -> tuple[int, int]:
    col = 0
    i = 0
    while i < len(ref) and ref[i].isalpha():
        col = col * 26 + (ord(ref[i].upper()) - 64)
        i += 1
    return int(ref[i:]) - 1, col - 1


def _ranges(sqref: str) -> tuple[tuple[int, int, int, int], ...]:
    out = []
    for block in sqref.replace("$", "").split():
        start, _, end = block.partition(":")
        try:
            r0, c0 = _ref_to_rc(start)
            r1, c1 = _ref_to_rc(end or start)
        except ValueError:
            continue  # a whole-column "C:C" or a name: too rare in trackers to chase
        out.append((min(r0, r1), min(c0, c1), max(r0, r1), max(c0, c1)))
    return tuple(out)


def parse_rules(
    formattings: Sequence[Element], dxf_fills: Sequence[str | None]
) -> list[Rule]:
    """Rules of `<conditionalFormatting>` elements, in Excel's order (priority)."""
    rules: list[Rule] = []
    for element in formattings:
        ranges = _ranges(element.get("sqref", ""))
        if not ranges:
            continue
        for rule in element.iterfind(f"{M}cfRule"):
            dxf = rule.get("dxfId")
            fill = None
            if dxf is not None and dxf.isdigit() and int(dxf) < len(dxf_fills):
                fill = dxf_fills[int(dxf)]
            stop = rule.get("stopIfTrue") in ("1", "true")
            if fill is None and not stop:
                continue  # a font- or border-only rule changes no fill and stops nothing
            priority = rule.get("priority", "")
            rules.append(Rule(
                ranges=ranges,
                kind=rule.get("type", ""),
                operator=rule.get("operator", ""),
                priority=int(priority) if priority.isdigit() else 1 << 30,
                formulas=tuple((f.text or "").strip() for f in rule.iterfind(f"{M}formula")),
                text=rule.get("text", ""),
                fill=fill,
                stop=stop,
            ))
    rules.sort(key=lambda rule: rule.priority)
    return rules


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        return None


def _compare(left: object, op: str, right: object) -> bool:
    """Excel's comparison: numbers numerically, text case-insensitively; else unequal."""
    a, b = _number(left), _number(right)
    if a is None or b is None:
        if op not in ("=", "<>"):
            return False
        same = _text(left).lower() == _text(right).lower()
        return same if op == "=" else not same
    return {
        "=": a == b, "<>": a != b, ">": a > b, "<": a < b, ">=": a >= b, "<=": a <= b,
    }[op]


class _Cells:
    """Operands of a rule's formula, read relative to the cell being formatted."""

    def __init__(self, values: Sequence[Sequence[object]], origin: tuple[int, int]):
        self.values = values
        self.origin = origin

    def at(self, r: int, c: int) -> object:
        row = self.values[r] if 0 <= r < len(self.values) else ()
        return row[c] if 0 <= c < len(row) else ""

    def operand(self, token: str, r: int, c: int) -> object | None:
        """A literal or a cell reference; None for anything else (not evaluated)."""
        token = token.strip()
        found = _STRING.match(token)
        if found:
            return found.group(1).replace('""', '"')
        if _number(token) is not None:
            return float(token)
        ref = _REF.match(token.upper())
        if not ref:
            return None
        abs_col, letters, abs_row, digits = ref.groups()
        ref_r, ref_c = _ref_to_rc(letters + digits)
        # A relative reference moves with the cell, from the rule's first cell.
        row = ref_r if abs_row else ref_r + r - self.origin[0]
        col = ref_c if abs_col else ref_c + c - self.origin[1]
        return self.at(row, col)


def _split_args(text: str) -> list[str]:
    args, depth, quoted, start = [], 0, False, 0
    for i, ch in enumerate(text):
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            depth -= 1
        elif not quoted and depth == 0 and ch == ",":
            args.append(text[start:i])
            start = i + 1
    args.append(text[start:])
    return [a.strip() for a in args]


def _expression(formula: str, cells: _Cells, r: int, c: int) -> bool:
    """`$G5="Delayed"`, `EXACT(C5,"Red")`, `ISNUMBER(SEARCH("Amber",C5))`, NOT(ISERROR(...))."""
    formula = formula.strip().removeprefix("=").strip()
    call = _CALL.match(formula)
    if call:
        name, args = call.group(1).upper(), _split_args(call.group(2))
        if name == "EXACT" and len(args) == 2:
            left, right = cells.operand(args[0], r, c), cells.operand(args[1], r, c)
            return left is not None and right is not None and _text(left) == _text(right)
        if name == "ISNUMBER" and len(args) == 1:
            return _search(args[0], cells, r, c)
        if name == "NOT" and len(args) == 1:
            inner = _CALL.match(args[0])
            if inner and inner.group(1).upper() == "ISERROR":
                return _search(inner.group(2), cells, r, c)
        return False
    compared = _COMPARE.match(formula)
    if not compared:
        return False
    left = cells.operand(compared.group(1), r, c)
    right = cells.operand(compared.group(3), r, c)
    if left is None or right is None:
        return False
    return _compare(left, compared.group(2), right)


def _search(call: str, cells: _Cells, r: int, c: int) -> bool:
    """SEARCH("text",C5) (case-insensitive) or FIND (case-sensitive) finds its text."""
    found = _CALL.match(call.strip())
    if not found or found.group(1).upper() not in ("SEARCH", "FIND"):
        return False
    args = _split_args(found.group(2))
    if len(args) != 2:
        return False
    needle, hay = cells.operand(args[0], r, c), cells.operand(args[1], r, c)
    if needle is None or hay is None:
        return False
    if found.group(1).upper() == "SEARCH":
        return _text(needle).lower() in _text(hay).lower()
    return _text(needle) in _text(hay)


def applies(rule: Rule, cells: _Cells, r: int, c: int) -> bool:
    """Whether `rule` is true for the cell at (r, c)."""
    value = cells.at(r, c)
    text = _text(value).lower()
    if rule.kind == "cellIs":
        op = _OPERATORS.get(rule.operator or "equal")
        operands = [cells.operand(f, r, c) for f in rule.formulas]
        if not text or None in operands or not operands:
            # A blank cell is left uncoloured by a value test (Excel would count it as 0 in a
            # numeric one, but trackers' RAG rules compare text, and a blank is no status).
            return False
        if op:
            return _compare(value, op, operands[0])
        if rule.operator in ("between", "notBetween") and len(operands) == 2:
            low, high = sorted(operands, key=lambda v: _number(v) or 0.0)
            inside = _compare(value, ">=", low) and _compare(value, "<=", high)
            return inside if rule.operator == "between" else not inside
        return False
    needle = rule.text.lower()
    if rule.kind == "containsText":
        return bool(needle) and needle in text
    if rule.kind == "notContainsText":
        return bool(needle) and needle not in text
    if rule.kind == "beginsWith":
        return bool(needle) and text.startswith(needle)
    if rule.kind == "endsWith":
        return bool(needle) and text.endswith(needle)
    if rule.kind == "containsBlanks":
        return not text
    if rule.kind == "notContainsBlanks":
        return bool(text)
    if rule.kind == "expression" and rule.formulas:
        return _expression(rule.formulas[0], cells, r, c)
    return False


def _covered(rule: Rule, values: Sequence[Sequence[object]]) -> Iterator[tuple[int, int]]:
    """The cells a rule's ranges cover, clipped to the sheet's data."""
    width = max((len(row) for row in values), default=0)
    for r0, c0, r1, c1 in rule.ranges:
        for r in range(r0, min(r1, len(values) - 1) + 1):
            for c in range(c0, min(c1, width - 1) + 1):
                yield r, c


def conditional_fills(
    rules: Sequence[Rule], values: Sequence[Sequence[object]]
) -> dict[tuple[int, int], str]:
    """(row, col) -> the fill a reader sees from conditional formatting."""
    decided: dict[tuple[int, int], str | None] = {}
    for rule in sorted(rules, key=lambda rule: rule.priority):  # the first to apply wins
        cells = _Cells(values, rule.ranges[0][:2])
        for r, c in _covered(rule, values):
            if (r, c) in decided or not applies(rule, cells, r, c):
                continue
            if rule.fill is not None:
                decided[(r, c)] = rule.fill
            elif rule.stop:
                decided[(r, c)] = None
    return {cell: fill for cell, fill in decided.items() if fill}

