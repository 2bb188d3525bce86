"""Config faults in words: YAML and pydantic errors -> 'config.yaml line N: key: expected ...'."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError


class UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping (YAML silently keeps the last)."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False):
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} given twice (first on line {seen[key]})",
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line + 1
    return loader.construct_mapping(node, deep=deep)


UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping
)
# Dates stay text for pydantic to check, so "2017-09-31" is a message, not a traceback.
UniqueKeyLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def line_index(node: yaml.Node | None, path: tuple = ()) -> Iterator[tuple[tuple, int]]:
    """Yield (key path, 1-based line) for every node, so validation errors can name a line."""
    if node is None:
        return
    yield path, node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            yield (*path, key), key_node.start_mark.line + 1
            for sub, line in line_index(value_node, (*path, key)):
                if sub != (*path, key):
                    yield sub, line
    elif isinstance(node, yaml.SequenceNode):
        for index, child in enumerate(node.value):
            yield from line_index(child, (*path, index))


def format_path(path: tuple) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def expected(error: dict) -> str:
    kind = error["type"]
    msg = str(error.get("msg", ""))
    if kind == "missing":
        return "required key is missing"
    if kind == "extra_forbidden":
        return "unknown key"
    if kind in {"string_type"}:
        return "expected text"
    if kind in {"int_type", "int_parsing"}:
        return "expected a whole number"
    if kind in {"float_type", "float_parsing"}:
        return "expected a number"
    if kind in {"bool_type", "bool_parsing"}:
        return "expected true or false"
    if kind.startswith("date") or kind.startswith("datetime"):
        return "expected a date as YYYY-MM-DD"
    if kind in {"list_type", "tuple_type"}:
        return "expected a list"
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        return "expected a mapping of keys"
    if kind == "too_short":
        return "expected at least one entry"
    if kind == "string_too_short":
        return "expected non-empty text"
    if kind == "literal_error":
        return msg.replace("Input should be", "expected")
    if kind == "string_pattern_mismatch":
        return "expected lower-case letters, digits and dashes"
    if kind == "value_error":
        return msg.removeprefix("Value error, ")
    return msg


def known_keys(root: type[BaseModel], path: tuple) -> list[str]:
    """The keys the model at `path` accepts, for 'did you mean' hints."""
    model: Any = root
    for part in path:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) if hasattr(model, "model_fields") else None
        if field is None:
            return []
        annotation = field.annotation
        args = [a for a in getattr(annotation, "__args__", ()) if isinstance(a, type)]
        model = next((a for a in [annotation, *args] if isinstance(a, type) and
                      issubclass(a, BaseModel)), None)
        if model is None:
            return []
    return [f.alias or name for name, f in model.model_fields.items()]


def model_errors(exc: ValidationError, root: type[BaseModel]) -> list[tuple[tuple, str]]:
    """(key path, what was expected) for each pydantic error, in words a PMO analyst reads."""
    problems: list[tuple[tuple, str]] = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        # pydantic reports a str-or-dict workstream as a None; say what a person expects.
        if len(loc) >= 3 and loc[0] == "priorities" and loc[2] == "workstreams" and (
            error["type"] in {"model_type", "model_attributes_type", "dict_type"}
        ):
            problems.append((loc, "expected a title"))
            continue
        if loc and loc[-1] == "from_":
            loc = (*loc[:-1], "from")
        text = expected(error)
        if error["type"] == "extra_forbidden":
            known = known_keys(root, loc[:-1])
            guess = difflib.get_close_matches(str(loc[-1]), known, n=1)
            if guess:
                text = f"unknown key (did you mean '{guess[0]}'?)"
            elif known:
                text = f"unknown key (expected one of: {', '.join(known)})"
        if error["type"] == "extra_forbidden" and len(loc) >= 2:
            secret = str(loc[-1]).lower()
            if secret in {"password", "username", "user", "pass", "secret", "token"}:
                target = "username_env" if secret in {"username", "user"} else "password_env"
                text = (
                    "secrets never live in config.yaml: put it in an environment variable "
                    f"and name the variable in {target}"
                )
        problems.append((loc, text))
    return problems


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _above(lines: list[str], index: int) -> int | None:
    """The index of the nearest line above `index` that holds YAML (not blank, not a comment)."""
    for i in range(index - 1, -1, -1):
        stripped = lines[i].strip()
        if stripped and not stripped.startswith("#"):
            return i
    return None


def excerpt(lines: list[str], index: int, column: int, *, before: int | None = None) -> str:
    """The line at fault (and the one it is read against) numbered, with a caret under the
    column. Tabs show as '→' so that the caret stays under the character it means."""
    shown = [i for i in (before, index) if i is not None and 0 <= i < len(lines)]
    width = len(str(max(shown) + 1)) if shown else 1
    out = []
    for i in sorted(set(shown)):
        out.append(f"  {i + 1:>{width}} | {lines[i].replace(chr(9), '→')}")
    if 0 <= index < len(lines):
        out.append(f"  {'':>{width}} | {' ' * column}^")
    return "\n".join(out)


def yaml_problem(exc: yaml.MarkedYAMLError, text: str, name: str) -> str:
    """A YAML syntax error in the words of someone who edits config.yaml in Notepad: what is
    wrong at which line, how to put it right, and the lines with a caret under the place."""
    lines = text.splitlines()
    mark = exc.problem_mark or exc.context_mark
    if mark is None:
        return f"{name}: YAML syntax error: {exc.problem or exc.context or exc}"
    index, column = mark.line, mark.column
    problem = str(exc.problem or "")
    context = str(exc.context or "")
    if index >= len(lines) and exc.context_mark is not None:
        index, column = exc.context_mark.line, exc.context_mark.column
    line = lines[index] if index < len(lines) else ""
    above = _above(lines, index)
    before = above
    if "'\\t'" in problem or (line[column:column + 1] == "\t"):
        what = ("a tab indents this line; YAML allows only spaces for indentation: replace the "
                "tab with spaces")
    elif "expected <block end>" in problem:
        mine = _indent(line)
        theirs = _indent(lines[above]) if above is not None else 0
        what = (f"this line is indented {mine} spaces, the line above it {theirs}: indent it "
                "with spaces as the other keys of its block (a list entry's keys line up after "
                "its '- ')")
    elif "mapping values are not allowed" in problem:
        first = line.find(": ")
        if first != -1 and first < column - 1 and _indent(line) < first:
            what = (f"a second ':' on this line: text holding ': ' must be in quotes, e.g. "
                    f"{line[:first + 1].strip()} \"{line[first + 2:].strip()}\"")
        elif above is not None and ":" not in lines[above]:
            index, column, before = above, _indent(lines[above]), _above(lines, above)
            what = (f"this line has no ':' ({lines[above].strip()!r}): expected 'key: value'")
        else:
            what = ("this line is indented more than the line above it, so it reads as part of "
                    "that line's value: indent it as the line above, with spaces")
    elif "could not find expected ':'" in problem:
        what = "a line with no ':' where 'key: value' was expected"
    elif "quoted scalar" in context:
        ctx = exc.context_mark
        index, column = (ctx.line, ctx.column) if ctx else (index, column)
        before = None
        what = "a quote opened here is never closed: end the text with the same quote"
    elif "flow sequence" in context or "flow mapping" in context:
        ctx = exc.context_mark
        opener = "[" if "sequence" in context else "{"
        closer = "]" if opener == "[" else "}"
        until = f" before line {index + 1}" if ctx and ctx.line != index else ""
        if ctx:
            index, column, before = ctx.line, ctx.column, None
        what = (f"the {opener} opened here is not closed with {closer}{until} (or a ',' is "
                "missing between its entries)")
    else:
        what = f"YAML syntax error: {problem or context}"
    return f"{name} line {index + 1}: {what}\n{excerpt(lines, index, column, before=before)}"
