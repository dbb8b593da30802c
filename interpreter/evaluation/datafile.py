"""Data files: the text of a YAML or JSON fact file (or one JSONL line) -> plain data, or located diagnostics.

Guarantees, in bounded time and memory whatever the input:
- data only: YAML goes through the safe loader (libyaml's C parser where installed), so a
  `!!python/...` tag is refused and nothing runs;
- nesting deeper than MAX_DEPTH is refused before any parser recurses, and after parsing the
  data may expand to at most MAX_FACT_VALUES values, counting each use of a YAML alias (a
  "billion laughs" file is refused after a walk over its distinct nodes, never its paths);
- a key given twice in one mapping is refused at its line:column (`unique_keys`);
- a YAML date or time off the calendar (`2027-02-29`, hour 25) is refused at its line:column;
- a string with a lone UTF-16 surrogate (written as an escape, `"\\ud800"`) is refused with its path;
- NaN, Infinity and integers longer than MAX_LITERAL_CHARS digits are read as `limits.Refused`,
  which the fact binder reports with the fact path (a batch row with one becomes an error row).
"""
from __future__ import annotations

import json
import math
import re
from decimal import Decimal

import yaml

from interpreter.evaluation.unique_keys import DuplicateKey, UniqueKeyLoader, load_json
from interpreter.language.diagnostics import Diagnostic, error
from interpreter.language.limits import MAX_FACT_VALUES, MAX_LITERAL_CHARS, Refused, literal_problem
from interpreter.language.source import Span

MAX_DEPTH = 64

_FLOW_TOKENS = re.compile(r'[\[\]{}"\'\\]')


def flow_depth(text: str) -> int:
    """Deepest [ / { nesting outside strings: checked before any recursive parser runs.
    Jumps from one structural character to the next rather than visiting every character."""
    depth = deepest = 0
    quote = None
    escaped_at = -1
    for match in _FLOW_TOKENS.finditer(text):
        position, char = match.start(), match.group()
        if position == escaped_at:
            continue
        if quote:
            if char == "\\" and quote == '"':
                escaped_at = position + 1
            elif char == quote:
                quote = None
            continue
        if char in "\"'":
            quote = char
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth = max(0, depth - 1)
    return deepest


def block_depth(text: str) -> int:
    """Deepest YAML block indentation, in levels of distinct indent widths."""
    widths: list[int] = []
    deepest = 0
    for line in text.splitlines():
        stripped = line.lstrip(" -")
        if not stripped or stripped.startswith("#"):
            continue
        width = len(line) - len(stripped)
        while widths and widths[-1] >= width:
            widths.pop()
        widths.append(width)
        deepest = max(deepest, len(widths))
    return deepest


def expanded_shape(value) -> tuple[int, int]:
    """(values, depth) of the data as a reader walking it would see it: an object shared by YAML
    aliases counts once per use, but is visited once (its shape is remembered by identity), so a
    file of 9 aliases to 9 aliases ... is measured in microseconds. A structure that contains
    itself (`&a [*a]`) has no end: (MAX_FACT_VALUES + 1, MAX_DEPTH + 1)."""
    shapes: dict[int, tuple[int, int]] = {}
    open_ids: set[int] = set()
    stack = [(value, False)]
    while stack:
        item, children_done = stack.pop()
        if not isinstance(item, (dict, list)):
            continue
        ident = id(item)
        children = list(item.values()) if isinstance(item, dict) else item
        if children_done:
            open_ids.discard(ident)
            inner = [shapes.get(id(c), (1, 1)) for c in children]
            count = 1 + sum(c for c, _ in inner)
            shapes[ident] = (min(count, MAX_FACT_VALUES + 1), 1 + max((d for _, d in inner), default=0))
            continue
        if ident in shapes:
            continue
        if ident in open_ids:
            return MAX_FACT_VALUES + 1, MAX_DEPTH + 1
        open_ids.add(ident)
        stack.append((item, True))
        stack.extend((c, False) for c in children if isinstance(c, (dict, list)) and id(c) not in shapes)
    return shapes.get(id(value), (1, 1))


# ---------------------------------------------------------------- YAML

class DataProblem(yaml.constructor.ConstructorError):
    """A YAML value that is well formed but not data a fact may hold, with its code."""

    def __init__(self, code: str, problem: str, mark):
        super().__init__(None, None, problem, mark)
        self.code = code


class _Loader(UniqueKeyLoader):
    """The safe loader without repeated keys, also refusing off-calendar dates and non-finite numbers."""

    def construct_yaml_timestamp(self, node):
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError) as exc:
            raise DataProblem("E406", f"`{_cut(node.value)}` is not a date on the calendar ({exc})",
                              node.start_mark) from None

    def construct_yaml_int(self, node):
        digits = node.value.lstrip("+-").replace("_", "")
        if len(digits) > MAX_LITERAL_CHARS:
            return Refused(f"a number of {len(digits):,} digits; numbers must be smaller than 10^30")
        return super().construct_yaml_int(node)

    def construct_yaml_float(self, node):
        value = super().construct_yaml_float(node)
        if not math.isfinite(value):
            raise DataProblem("E407", f"`{_cut(node.value)}` is not a number a fact may hold (NaN and infinities are refused)",
                              node.start_mark)
        return value


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)
_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_int)
_Loader.add_constructor("tag:yaml.org,2002:float", _Loader.construct_yaml_float)


def _cut(text: str, most: int = 40) -> str:
    return text if len(text) <= most else text[:most] + "…"


# ---------------------------------------------------------------- JSON

def _json_int(text: str):
    if len(text.lstrip("-")) > MAX_LITERAL_CHARS:
        return Refused(f"a number of {len(text.lstrip('-')):,} digits; numbers must be smaller than 10^30")
    return int(text)


def _json_float(text: str):
    if len(text) > MAX_LITERAL_CHARS:
        return Refused(literal_problem(text.lower().partition("e")[0]) or f"a number written with {len(text):,} characters")
    try:
        return Decimal(text)
    except ArithmeticError:  # an exponent no decimal can hold (1e99999999999999999999)
        return Refused(f"{text[:20]}… is not a number a fact may hold")


def _json_constant(name: str):
    return Refused(f"{name} is not a number a fact may hold (NaN and infinities are refused)")


def json_loads(text: str):
    """JSON text -> data with exact decimals; NaN, Infinity and huge integers become `Refused`.
    Raises DuplicateKey for a key given twice in one object, ValueError or RecursionError for
    text that is not JSON."""
    return load_json(text, parse_float=_json_float, parse_int=_json_int, parse_constant=_json_constant)


# ---------------------------------------------------------------- both

_SURROGATE_ESCAPE = re.compile(r"\\(?:u|U0000)[dD][89a-fA-F]")


def surrogate_path(text: str, data) -> str | None:
    """The fact path of the first string (or key) holding a lone UTF-16 surrogate, which no output
    can encode. Only escapes (`"\\ud800"`) make one, so data whose text has none is not walked."""
    if not _SURROGATE_ESCAPE.search(text):
        return None
    stack = [(data, "")]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str) and not _encodable(item):
            return where or "<top>"
        if isinstance(item, dict):
            for key, value in item.items():
                path = f"{where}.{key}" if where and _encodable(str(key)) else where or "<top>"
                if not _encodable(str(key)):
                    return path
                stack.append((value, f"{where}.{key}" if where else str(key)))
        elif isinstance(item, list):
            stack.extend((value, f"{where}[{i}]") for i, value in enumerate(item))
    return None


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def parse_data(path: str, text: str) -> tuple[object, list[Diagnostic]]:
    """The text of `path` (JSON if it ends in .json, else YAML) -> its data, or diagnostics."""
    here = Span.point(path)
    too_deep = error("E402", f"input is nested more than {MAX_DEPTH} levels deep; fact files are flat records",
                     here, suggestions=("check the file was not generated by mistake",))
    # JSON (no aliases) with fewer brackets than the depth limit and fewer characters than the
    # value limit cannot break either: the scans are skipped (a typical request body to `rules serve`).
    small_json = (path.endswith(".json") and text.count("[") + text.count("{") < MAX_DEPTH
                  and len(text) < MAX_FACT_VALUES)
    if not small_json and (flow_depth(text) > MAX_DEPTH or block_depth(text) > MAX_DEPTH):
        return None, [too_deep]
    try:
        if path.endswith(".json"):
            data = json_loads(text)
        else:
            data = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader derives from the safe loader
    except RecursionError:
        return None, [too_deep]
    except DuplicateKey as repeated:
        return None, [error("E405", f"the key `{_cut(repeated.key)}` appears twice in one mapping"
                            + (f" (first on line {repeated.first_line})" if repeated.first_line else ""),
                            Span.point(path, repeated.line, repeated.column),
                            suggestions=("keep one of them: a repeated key would silently replace the first value",))]
    except json.JSONDecodeError as exc:
        return None, [error("E403", f"not valid JSON: {exc.msg}", Span.point(path, exc.lineno, exc.colno))]
    except DataProblem as exc:
        mark = exc.problem_mark
        return None, [error(exc.code, exc.problem, Span.point(path, mark.line + 1, mark.column + 1) if mark else here)]
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        span = Span.point(path, mark.line + 1, mark.column + 1) if mark else here
        tag = re.search(r"'(tag:[^']*|![^']*)'", str(exc.problem))
        if "constructor for the tag" not in str(exc.problem):  # e.g. "found unhashable key"
            return None, [error("E403", f"not valid YAML data: {_cut(str(exc.problem), 200)}", span)]
        return None, [error("E404", f"YAML tag {_cut(tag.group(1), 80) if tag else ''} is not allowed: fact files are plain "
                                    "data, nothing in them is executed", span,
                            suggestions=("remove the tag and write the value itself",))]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        span = Span.point(path, mark.line + 1, mark.column + 1) if mark else here
        problem = getattr(exc, "problem", None) or str(exc)
        return None, [error("E403", f"not valid YAML: {_cut(problem, 200)}", span)]
    values, depth = (0, 0) if small_json else expanded_shape(data)
    if depth > MAX_DEPTH:
        return None, [too_deep]
    if values > MAX_FACT_VALUES:
        return None, [error("E408", f"the data expands to more than {MAX_FACT_VALUES:,} values (YAML aliases count once "
                                    "per use); fact files are records, not generated structures", here,
                            suggestions=("write the records out, or use `rules batch` for volumes",))]
    if (where := surrogate_path(text, data)) is not None:
        return None, [error("E409", "a string holds a lone UTF-16 surrogate (an escape such as \\ud800), which is "
                                    "not text", here, fact_path=where)]
    return data, []
