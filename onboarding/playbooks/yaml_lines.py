"""YAML read safely and with line numbers, for playbooks and the reference files.

Mappings and lists remember the line of each key and item (``_Mapping.key_lines``,
``_List.lines``) so that every problem can say FILE:LINE. Refused, before anything is built:
characters YAML does not allow, anchors and aliases (an alias bomb expands a few hundred bytes
into billions of items), nesting deeper than MAX_DEPTH; while building: keys that are lists or
mappings, values that cannot be read, text the database cannot store.

libyaml (PyYAML's C parser) does the reading: the pure-Python parser took 30 ms for a playbook,
which HR waited for on every draft page. Its events are scanned first for anchors and depth,
as its composer cannot be told to stop and recurses in C."""
from __future__ import annotations

from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError
from yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, NodeEvent
from yaml.nodes import ScalarNode

from ..models.storable import is_storable
from .content import Problem
from .fields import _cut

# A playbook nests four levels (playbook, milestones, milestone, field); anything far
# deeper is a mistake or an attack on the recursive composer.
MAX_DEPTH = 12


# libyaml's words for what the checks here would have said themselves: its scanner can meet deep
# nesting before the first event is read, and it refuses a lone surrogate's escape outright.
_OUR_WORDS = {
    "exceeded maximum nesting depth": f"nested more than {MAX_DEPTH} levels deep",
    "found invalid Unicode character escape code": "text must not contain NUL, control characters or lone surrogates",
}


class _Mapping(dict):
    line: int = 0
    key_lines: dict


class _List(list):
    line: int = 0


class Unreadable(Exception):
    """Not YAML this service reads; ``problem`` says where and why."""

    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem


class _LineLoader(yaml.CSafeLoader):
    """libyaml's safe loader, building mappings and lists that know their lines and refusing
    what the database cannot store."""

    def __init__(self, stream):
        super().__init__(stream)
        self.duplicates: list[tuple[int, str]] = []

    def construct_object(self, node, deep=False):
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError, TypeError) as exc:  # a 5,000-digit number, 30 February...
            raise ConstructorError(None, None, f"cannot read this value: {_cut(str(exc), 100)}", node.start_mark) from None

    def construct_scalar(self, node):
        value = super().construct_scalar(node)
        if isinstance(value, str) and not is_storable(value):
            raise ConstructorError(None, None, "text must not contain NUL, control characters or lone surrogates",
                                   node.start_mark)
        return value

    def construct_mapping(self, node, deep=False):
        mapping = _Mapping()
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                raise ConstructorError(None, None, "a field name must be plain text, not a list or a mapping",
                                       key_node.start_mark)
            key = self.construct_object(key_node, deep=True)
            if key in mapping:
                self.duplicates.append((key_node.start_mark.line + 1, f"duplicate field '{_cut(key)}'"))
            mapping[key] = self.construct_object(value_node, deep=True)
            mapping.key_lines[key] = key_node.start_mark.line + 1
        return mapping

    def construct_sequence(self, node, deep=False):
        items = _List(self.construct_object(child, deep=True) for child in node.value)
        items.line, items.lines = node.start_mark.line + 1, [child.start_mark.line + 1 for child in node.value]
        return items


_LineLoader.add_constructor("tag:yaml.org,2002:map", _LineLoader.construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _LineLoader.construct_sequence)


def _refuse_anchors_and_depth(text: str) -> None:
    """ComposerError at the first anchor, alias or node nested MAX_DEPTH deep."""
    parser = yaml.CSafeLoader(text)
    try:
        depth = 0
        while (event := parser.get_event()) is not None:
            if isinstance(event, NodeEvent):
                if isinstance(event, AliasEvent) or event.anchor is not None:
                    raise ComposerError(None, None, "anchors and aliases (& and *) are not allowed; write each value "
                                        "out in full", event.start_mark)
                if depth >= MAX_DEPTH:
                    raise ComposerError(None, None, f"nested more than {MAX_DEPTH} levels deep", event.start_mark)
            if isinstance(event, CollectionStartEvent):
                depth += 1
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
    finally:
        parser.dispose()


def read_yaml(text: str, filename: str) -> tuple[Any, list[Problem]]:
    """The YAML document and its duplicate-key problems; Unreadable when it is not YAML."""
    loader = None
    try:
        yaml.reader.Reader(text)  # refuses characters YAML does not allow, saying which and where
        _refuse_anchors_and_depth(text)
        loader = _LineLoader(text)
        data = loader.get_single_data()
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        raise Unreadable(Problem(filename, line, f"malformed YAML: character #x{exc.character:04x} is not allowed")) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark else 1
        reason = getattr(exc, "problem", None) or str(exc)
        reason = _OUR_WORDS.get(reason, reason)
        raise Unreadable(Problem(filename, line, f"malformed YAML: {_cut(reason, 200)}")) from exc
    finally:
        if loader is not None:
            loader.dispose()
    return data, [Problem(filename, line, message) for line, message in loader.duplicates]
