"""Pipeline: a rule-set directory -> a checked, loaded rule set, as named stages.

Like OPA's compiler, loading is a list of named stages run in order; each returns
its result and its diagnostics, and later stages run only while no stage has
reported an error, so one mistake is reported once, where it arises.
    read -> parse -> resolve -> check -> tables
"""
from __future__ import annotations

import os
import sys

import attrs

from interpreter.language.diagnostics import Diagnostic, error, has_errors
from interpreter.language.limits import MAX_RULESET_BYTES, MAX_RULESET_TOKENS, token_count
from interpreter.language.model import RuleSet
from interpreter.language.source import SourceRegistry
from interpreter.language.tables import load_tables

RULE_SUFFIX = ".rules"
# Expressions may nest MAX_EXPRESSION_DEPTH deep and values chain MAX_DEPENDENCY_DEPTH deep;
# every stage walks them recursively, a few Python frames per level.
RECURSION_LIMIT = 20_000


def ensure_recursion_limit() -> None:
    if sys.getrecursionlimit() < RECURSION_LIMIT:
        sys.setrecursionlimit(RECURSION_LIMIT)


@attrs.frozen
class Loaded:
    """The outcome of loading: the rule set (None if it could not be built)."""
    root: str
    ruleset: RuleSet | None
    tables: dict
    diagnostics: tuple[Diagnostic, ...]
    stages: tuple[str, ...]  # the stages that ran
    sources: SourceRegistry = attrs.field(eq=False, repr=False, factory=SourceRegistry)

    @property
    def ok(self) -> bool:
        return self.ruleset is not None and not has_errors(self.diagnostics)


def rule_files(root: str) -> list[str]:
    if os.path.isfile(root):
        return [root]
    found = []
    for directory, subdirectories, files in os.walk(root):
        subdirectories[:] = sorted(d for d in subdirectories if d not in ("tests", "examples", "data") and not d.startswith("."))
        found.extend(os.path.join(directory, f) for f in sorted(files) if f.endswith(RULE_SUFFIX))
    return found


def rule_set_directory(root: str) -> str:
    """The directory a rule set may read from: RULESET itself, or the directory of a single rule file."""
    return os.path.realpath(root if os.path.isdir(root) else os.path.dirname(os.path.abspath(root)))


def inside(path: str, directory: str) -> bool:
    """Does `path`, with every symbolic link followed, lie within `directory` (already resolved)?"""
    real = os.path.realpath(path)
    return os.path.commonpath([real, directory]) == directory


def load(root: str, overlays: dict[str, str] | None = None) -> Loaded:
    """`overlays` maps absolute file paths to text read instead of the file's (an editor's unsaved text)."""
    ensure_recursion_limit()
    overlays = overlays or {}
    sources = SourceRegistry()
    diagnostics: list[Diagnostic] = []
    stages: list[str] = []

    def stage(name: str, result, problems):
        stages.append(name)
        diagnostics.extend(problems)
        return result

    if not os.path.exists(root):
        return Loaded(root, None, {}, (error("E001", f"no rule set at {root}"),), ("read",), sources)
    paths = rule_files(root)
    if not paths:
        return Loaded(root, None, {}, (error("E002", f"{root} holds no {RULE_SUFFIX} files"),), ("read",), sources)
    texts = []
    home = rule_set_directory(root)
    paths, refused = [p for p in paths if inside(p, home)], [p for p in paths if not inside(p, home)]
    diagnostics.extend(error("E004", f"{os.path.relpath(p)} leads outside the rule set (a symbolic link to "
                                     f"{os.path.realpath(p)}): a rule set reads only files inside its own directory",
                             fact_path=os.path.relpath(p)) for p in refused)
    irregular = [p for p in paths if not os.path.isfile(p)]  # a pipe or a device would never end
    diagnostics.extend(error("E004", f"{os.path.relpath(p)} is not a regular file", fact_path=os.path.relpath(p))
                       for p in irregular)
    paths = [p for p in paths if p not in irregular]
    size = sum(os.path.getsize(p) for p in paths)
    if size > MAX_RULESET_BYTES:
        diagnostics.append(error("E005", f"the rule files hold {size:,} bytes; a rule set may hold at most "
                                         f"{MAX_RULESET_BYTES:,}", suggestions=("check no generated file ends in .rules",)))
        paths = []
    for path in paths:
        shown = os.path.relpath(path)
        try:
            if os.path.abspath(path) in overlays:
                text = overlays[os.path.abspath(path)]
            else:
                with open(path, encoding="utf-8") as handle:
                    text = handle.read()
        except UnicodeDecodeError as exc:
            diagnostics.append(error("E003", f"{shown} is not UTF-8 text ({exc.reason})"))
            continue
        sources.add(shown, text)
        texts.append((shown, text))
    tokens = sum(token_count(text) for _, text in texts)
    if tokens > MAX_RULESET_TOKENS:
        diagnostics.append(error("E005", f"the rule files hold about {tokens:,} tokens; a rule set may hold at most "
                                         f"{MAX_RULESET_TOKENS:,} (parsing takes about a second per 10,000)",
                                 suggestions=("a long list of values belongs in a table (a CSV file under data/)",)))
    stages.append("read")
    if has_errors(diagnostics):
        return Loaded(root, None, {}, _sorted(diagnostics), tuple(stages), sources)
    # Parsing, resolving and checking are imported only when a rule set is loaded afresh: a load from
    # the cache (load_cache) needs none of them, nor lark.
    from interpreter.language.check import check
    from interpreter.language.parse import parse_files
    from interpreter.language.resolve import resolve

    files = stage("parse", *parse_files(texts))
    if has_errors(diagnostics):
        return Loaded(root, None, {}, _sorted(diagnostics), tuple(stages), sources)
    directory = root if os.path.isdir(root) else os.path.dirname(root)
    ruleset = stage("resolve", *resolve(directory, files, sources))
    if has_errors(diagnostics):
        return Loaded(root, None, {}, _sorted(diagnostics), tuple(stages), sources)
    stage("check", None, check(ruleset))
    if has_errors(diagnostics):
        return Loaded(root, None, {}, _sorted(diagnostics), tuple(stages), sources)
    tables = stage("tables", *load_tables(ruleset))
    if has_errors(diagnostics):
        return Loaded(root, None, {}, _sorted(diagnostics), tuple(stages), sources)
    return Loaded(root, ruleset, tables, _sorted(diagnostics), tuple(stages), sources)


def _sorted(diagnostics) -> tuple[Diagnostic, ...]:
    return tuple(sorted(diagnostics, key=Diagnostic.sort_key))
