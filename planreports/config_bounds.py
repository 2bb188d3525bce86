"""Bounds on config.yaml before it is walked: a size limit, and aliases that cannot explode.

A YAML alias repeats a node without copying it, so nine levels of nine aliases is a 1 KB file
that expands to 387 million values: parsing is instant, but anything that walks the result
(line numbers for error messages, validation) never finishes. The expanded size is counted
on the composed graph, once per distinct node, before anything walks it.
"""

from __future__ import annotations

import yaml

from planreports.errors import ConfigError

MAX_CONFIG_BYTES = 1_000_000  # a large trust's plan is a few tens of KB
MAX_VALUES = 100_000  # values after aliases are expanded


def check_size(text: str, name: str) -> None:
    if len(text.encode("utf-8")) > MAX_CONFIG_BYTES:
        raise ConfigError(
            f"{name}: {len(text.encode('utf-8')):,} bytes, over the {MAX_CONFIG_BYTES:,}-byte "
            "limit for a config file; is this the right file?"
        )


def check_expansion(root: yaml.Node | None, name: str) -> None:
    """Refuse a document whose aliases expand to more than MAX_VALUES values."""
    sizes: dict[int, int] = {}
    order: list[yaml.Node] = []
    stack = [root] if root is not None else []
    while stack:  # children before parents, each distinct node once
        node = stack.pop()
        if id(node) in sizes:
            continue
        sizes[id(node)] = -1
        order.append(node)
        stack.extend(_children(node))
    for node in reversed(order):
        total = 1 + sum(sizes[id(c)] for c in _children(node))
        if total > MAX_VALUES:
            line = node.start_mark.line + 1
            raise ConfigError(
                f"{name} line {line}: YAML aliases (*name) here expand to more than "
                f"{MAX_VALUES:,} values; write the values out, or use fewer aliases"
            )
        sizes[id(node)] = total


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []
