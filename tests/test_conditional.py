"""Conditional-format rules as trackers write them: which cells each form colours (pure logic)."""

from __future__ import annotations

import pytest

from planreports.read.conditional import Rule, conditional_fills

# Rows 5-7 of a tracker: C is RAG, D a score, G the milestone status.
VALUES: list[list[object]] = [[""] * 7 for _ in range(4)] + [
    ["", "", "Red", 1.0, "", "", "Delayed"],
    ["", "", "amber", 3.0, "", "", "On track"],
    ["", "", "", 5.0, "", "", "At risk"],
]
RAG_CELLS = ((4, 2, 6, 2),)  # C5:C7


def rule(kind: str, *formulas: str, operator: str = "", text: str = "", priority: int = 1,
         fill: str | None = "#FF0000", stop: bool = False) -> Rule:
    return Rule(ranges=RAG_CELLS, kind=kind, operator=operator, priority=priority,
                formulas=formulas, text=text, fill=fill, stop=stop)


@pytest.mark.parametrize(
    ("case", "coloured"),
    [
        (rule("cellIs", '"Red"', operator="equal"), ["C5"]),
        (rule("cellIs", '"RED"', operator="equal"), ["C5"]),  # Excel's = ignores case
        (rule("cellIs", '"Red"', operator="notEqual"), ["C6"]),  # a blank is never coloured
        (rule("containsText", 'NOT(ISERROR(SEARCH("Amb",C5)))', text="Amb"), ["C6"]),
        (rule("beginsWith", text="re"), ["C5"]),
        (rule("containsBlanks"), ["C7"]),
        (rule("expression", '$G5="Delayed"'), ["C5"]),
        (rule("expression", '"At risk"=$G5'), ["C7"]),
        (rule("expression", '$G5<>"Delayed"'), ["C6", "C7"]),
        (rule("expression", '$G$5="Delayed"'), ["C5", "C6", "C7"]),  # absolute: one cell
        (rule("expression", 'EXACT($G5,"on track")'), []),  # EXACT is case-sensitive
        (rule("expression", 'ISNUMBER(SEARCH("risk",$G5))'), ["C7"]),
        (rule("expression", 'ISNUMBER(FIND("Risk",$G5))'), []),  # FIND is case-sensitive
        (rule("expression", "$D5>=3"), ["C6", "C7"]),
        (rule("expression", 'AND($G5="Delayed",$D5>0)'), []),  # not evaluated: no guess
        (rule("expression", "TODAY()-$F5>0"), []),
    ],
)
def test_which_cells_a_rule_colours(case: Rule, coloured: list[str]) -> None:
    fills = conditional_fills([case], VALUES)
    assert sorted(f"C{r + 1}" for r, _c in fills) == coloured


def test_the_first_rule_by_priority_wins_and_stop_if_true_stops() -> None:
    red = rule("expression", '$G5="Delayed"', priority=1, fill="#FF0000")
    green = rule("cellIs", '"Red"', operator="equal", priority=2, fill="#00B050")
    assert conditional_fills([red, green], VALUES) == {(4, 2): "#FF0000"}
    stop = rule("expression", '$G5="Delayed"', priority=1, fill=None, stop=True)
    assert conditional_fills([stop, green], VALUES) == {}
