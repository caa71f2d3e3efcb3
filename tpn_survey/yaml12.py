"""A safe YAML reader with YAML 1.2 meaning (`Yes`/`No` stay strings) that refuses alias
bombs, absurd nesting and duplicate keys before building any Python object."""

from __future__ import annotations

import re
from typing import Any

import yaml

from tpn_survey.errors import SchemaError


class _Yaml12Loader(yaml.SafeLoader):
    """Safe loader with YAML 1.2 booleans: `Yes`, `No`, `on`, `off` stay strings."""


_Yaml12Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.copy().items()
}
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def _compose_checked(loader: _Yaml12Loader) -> Any:
    """Refuse alias bombs and absurd nesting before building Python objects."""
    node = loader.get_single_node()
    seen: set[int] = set()
    stack: list[tuple[Any, int]] = [(node, 0)] if node is not None else []
    visits = 0
    while stack:
        current, depth = stack.pop()
        visits += 1
        if depth > 50:
            raise SchemaError("nesting deeper than 50 levels")
        if visits > 200_000:
            raise SchemaError("too many nodes (alias expansion?)")
        if isinstance(current, yaml.SequenceNode):
            stack.extend((child, depth + 1) for child in current.value)
        elif isinstance(current, yaml.MappingNode):
            keys: set[str] = set()
            for key, value in current.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in keys:
                        mark = key.start_mark
                        raise SchemaError(
                            f"duplicate key {key.value!r} (line {mark.line + 1}, column "
                            f"{mark.column + 1}); a key may appear once in a mapping"
                        )
                    keys.add(key.value)
                stack.append((key, depth + 1))
                stack.append((value, depth + 1))
        seen.add(id(current))
    return loader.construct_document(node) if node is not None else None


def load_yaml(text: str) -> Any:
    """Parse YAML 1.2-ish text safely (no tags, no alias bombs, no deep nesting)."""
    loader = _Yaml12Loader(text)
    try:
        return _compose_checked(loader)
    except RecursionError:  # the composer recurses once per level, before the check above
        raise SchemaError("nesting deeper than 50 levels") from None
    finally:
        loader.dispose()
