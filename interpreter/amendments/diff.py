"""Diff: two versions of a rule set -> what changed by citation, which decisions change, witnesses.

    result = compare("rules/ramsa", "examples/amendments/ramsa_committee_substitute",
                     facts=["examples/amendments/corpus"])
    result.differences   # False only when nothing of substance changed

Stages, each in its own module:
- `revision`: each side is a directory or a git revision `REV:PATH`, materialised with
  `git archive` into a temporary directory for the length of the comparison;
- `structure`: provisions, values, rules, declarations, reference rows and other files
  compared by citation and resolved content (never by line);
- `witness`: behaviour changes (clusters of changed values and tables), and for each a
  bounded search for a minimal fact set on which the versions decide differently;
- here: decision impact on a fact corpus (each version evaluated through the public
  API, every decision whose value or status changed listed apart from those whose
  value stayed but whose legal basis changed, each with both explanations, and each
  change attributed to the behaviour change that causes it), and the witnesses
  written as fact files and checked by evaluating them with the public API.

The result is plain data; `diff_report` renders it as text or JSON. Errors in user
input come back as `DiffError` (the CLI exits 2), never as a traceback.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile

import attrs
import yaml

from interpreter.amendments.changes import Side, Structure
from interpreter.amendments.clusters import Cluster, clusters, hybrid
from interpreter.amendments.revision import RevisionError, Sides
from interpreter.amendments.structure import diff_structure
from interpreter.amendments.witness import DEFAULT_BUDGET, search
from interpreter.evaluation import decide as deciding
from interpreter.evaluation.explain import Explanation
from interpreter.language.citation import citation_key
from interpreter.language.diagnostics import Diagnostic, UserError, error
from interpreter.language.pipeline import Loaded, load
from interpreter.language.values import format_value

FACT_SUFFIXES = (".yaml", ".yml", ".json")


class DiffError(Exception):
    """A diff could not be made (bad side, rule set with errors, bad facts); exit 2."""

    def __init__(self, message: str, diagnostics=(), sources=None):
        super().__init__(message)
        self.message = message
        self.diagnostics: tuple[Diagnostic, ...] = tuple(diagnostics)
        self.sources = sources


# ---------------------------------------------------------------- result types


@attrs.frozen
class DecisionChange:
    """One decision that differs between the versions on one fact file."""
    file: str
    target: str
    # value (value or status changed) | basis (same value, other citations) | added | removed (the decision
    # exists in one version only) | only_old | only_new (the fact file is valid for one version only)
    kind: str
    old_status: str | None
    new_status: str | None
    old_value: str | None  # as `rules eval` shows it
    new_value: str | None
    old_json: object
    new_json: object
    old_citations: tuple[str, ...]
    new_citations: tuple[str, ...]
    old_basis: tuple[str, ...]
    new_basis: tuple[str, ...]
    old_explanation: Explanation | None = attrs.field(eq=False, repr=False)
    new_explanation: Explanation | None = attrs.field(eq=False, repr=False)
    causes: tuple[str, ...] = ()  # ids of the behaviour changes that flip it

    @property
    def old_shown(self) -> str:
        return self.old_value if self.old_value is not None else (self.old_status or "absent")

    @property
    def new_shown(self) -> str:
        return self.new_value if self.new_value is not None else (self.new_status or "absent")


@attrs.frozen
class FileImpact:
    file: str
    problems: tuple[tuple[str, str], ...]  # (side, message) when the file does not bind on one side
    changes: tuple[DecisionChange, ...]


@attrs.frozen
class Witness:
    cluster: Cluster
    # found | not_found (budget spent) | exhausted (every candidate tried) | new_vocabulary (only inputs the
    # old version cannot express) | no_decision (no decision depends on it) | shown_by_corpus | not_searched
    status: str
    file: str | None = None
    facts: dict | None = None
    changes: tuple[DecisionChange, ...] = ()
    shown_by: tuple[str, ...] = ()
    candidates: int = 0  # fact sets the search evaluated (a miss is "none among N", never a proof)


@attrs.frozen
class DiffResult:
    old: str
    new: str
    old_title: str
    new_title: str
    act: str
    structure: Structure
    clusters: tuple[Cluster, ...]
    impact: tuple[FileImpact, ...] | None
    witnesses: tuple[Witness, ...]
    witness_dir: str | None
    commands: tuple[str | None, str | None]  # `rules eval` prefixes for each side (None for a git side)

    @property
    def differences(self) -> bool:
        if not self.structure.empty or self.clusters:
            return True
        if self.impact and any(f.problems or f.changes for f in self.impact):
            return True
        return any(w.status == "found" for w in self.witnesses)


# ---------------------------------------------------------------- comparing


def _load_side(directory: str, spec: str, which: str) -> Loaded:
    loaded = load(directory)
    if not loaded.ok:
        errors = [d for d in loaded.diagnostics if d.is_error]
        raise DiffError(f"the {which} side `{spec}` does not load ({len(errors)} error{'s' if len(errors) != 1 else ''}); "
                        f"`rules check` lists them", errors, loaded.sources)
    return loaded


def fact_files(paths) -> list[str]:
    """Fact files named directly, or found (sorted, recursively) in directories."""
    found = []
    for path in paths:
        if os.path.isdir(path):
            for directory, subdirectories, files in os.walk(path):
                subdirectories[:] = sorted(d for d in subdirectories if not d.startswith("."))
                found.extend(os.path.join(directory, f) for f in sorted(files) if f.endswith(FACT_SUFFIXES))
        elif os.path.isfile(path):
            found.append(path)
        else:
            raise DiffError(f"no fact file or directory at {path}")
    if not found:
        raise DiffError(f"no fact files (*.yaml, *.yml, *.json) in {', '.join(paths)}")
    return list(dict.fromkeys(found))


def compare(old: str, new: str, facts=(), witnesses: bool = True, witness_dir: str | None = None,
            seed: int = 0, budget: int = DEFAULT_BUDGET) -> DiffResult:
    """The whole comparison; raises DiffError for anything the user must fix."""
    try:
        with Sides(old, new) as (old_dir, new_dir):
            old_loaded = _load_side(old_dir, old, "old")
            new_loaded = _load_side(new_dir, new, "new")
            return _compare(old, new, old_dir, new_dir, old_loaded, new_loaded, facts, witnesses, witness_dir, seed, budget)
    except RevisionError as exc:
        raise DiffError(str(exc)) from exc


def _compare(old, new, old_dir, new_dir, old_loaded, new_loaded, facts, witnesses, witness_dir, seed, budget):
    old_side, new_side = Side(old, old_dir, old_loaded), Side(new, new_dir, new_loaded)
    structure = diff_structure(old_side, new_side)
    found_clusters = clusters(old_loaded, new_loaded, citation_key)
    hybrids = {c.id: hybrid(old_loaded, new_loaded, c) for c in found_clusters}
    files = fact_files(facts) if facts else []
    impact = tuple(_impact(path, old_loaded, new_loaded, found_clusters, hybrids) for path in files) if files else None
    shown_by: dict[str, list[str]] = {}
    for item in impact or ():
        for change in item.changes:
            for cause in change.causes:
                shown_by.setdefault(cause, [])
                if item.file not in shown_by[cause]:
                    shown_by[cause].append(item.file)
    commands = (None if ":" in old and not os.path.exists(old) else old,
                None if ":" in new and not os.path.exists(new) else new)
    results, directory = [], None
    for cluster in found_clusters:
        if cluster.id in shown_by:
            results.append(Witness(cluster, "shown_by_corpus", shown_by=tuple(shown_by[cluster.id])))
            continue
        if not cluster.decisions:
            results.append(Witness(cluster, "no_decision"))
            continue
        if not witnesses:
            results.append(Witness(cluster, "not_searched"))
            continue
        outcome = search(old_loaded, new_loaded, cluster, seed=seed, budget=budget)
        data = outcome.data
        if data is None:
            status = "new_vocabulary" if cluster.new_vocabulary else "exhausted" if outcome.exhausted else "not_found"
            results.append(Witness(cluster, status, candidates=outcome.nodes))
            continue
        if directory is None:
            directory = _witness_directory(witness_dir)
        path = _write_witness(directory, cluster, data, old, new, old_loaded, new_loaded)
        item = _impact(path, old_loaded, new_loaded, [cluster], {cluster.id: hybrids.get(cluster.id)}, explain=True)
        changes = tuple(sorted((c for c in item.changes if c.kind == "value"), key=lambda c: cluster.id not in c.causes))
        _write_witness(directory, cluster, data, old, new, old_loaded, new_loaded, changes)
        results.append(Witness(cluster, "found" if changes else "not_found", path, _json_facts(data), changes))
    if directory is not None and witness_dir is None:
        # Without --witnesses the files were only the means to decide them: the report shows their facts,
        # and nothing is left behind in the temporary folder.
        shutil.rmtree(directory, ignore_errors=True)
        results = [attrs.evolve(w, file=None) for w in results]
        directory = None
    return DiffResult(
        old=old, new=new,
        old_title=old_loaded.ruleset.title, new_title=new_loaded.ruleset.title, act=new_loaded.ruleset.act,
        structure=structure, clusters=tuple(found_clusters), impact=impact, witnesses=tuple(results),
        witness_dir=directory, commands=commands,
    )


# ---------------------------------------------------------------- decision impact


def _state(decision):
    outcome = decision.outcome
    kind = decision.value.type.kind
    if outcome.decided:
        return outcome.status, format_value(outcome.value, kind), outcome.value
    return outcome.status, None, None


def _json_of(decision):
    from interpreter.evaluation.report import json_value

    if decision is None or not decision.outcome.decided:
        return None
    return json_value(decision.outcome.value, decision.value.type.kind)


def _changed(a, b) -> bool:
    """Decision value or status differs (decided values compared exactly)."""
    if a.outcome.status != b.outcome.status:
        return True
    if not a.outcome.decided:
        return False
    try:
        return not (a.outcome.value == b.outcome.value)
    except Exception:  # noqa: BLE001
        return True


def _evaluate(loaded: Loaded, path: str):
    """-> (result, None) or (None, (message, diagnostics))."""
    try:
        return deciding.evaluate(loaded, path), None
    except UserError as failure:
        message = "; ".join(f"{d.location}: {d.message}" for d in failure.diagnostics) or "the fact file does not bind"
        return None, (message, tuple(failure.diagnostics))


def _impact(path: str, old: Loaded, new: Loaded, found_clusters, hybrids: dict, explain: bool = True) -> FileImpact:
    left, left_problem = _evaluate(old, path)
    right, right_problem = _evaluate(new, path)
    if left is None and right is None:
        raise DiffError(f"{path} is not a valid fact file for either version",
                        left_problem[1] or [error("E400", left_problem[0], None, fact_path=path)])
    problems = tuple((side, problem[0]) for side, problem in (("old", left_problem), ("new", right_problem)) if problem)
    if left is None or right is None:
        # The file speaks the vocabulary of one version only: show what that version decides.
        readable, kind = (right, "only_new") if left is None else (left, "only_old")
        changes = tuple(
            _decision_change(path, d.target, kind, d if kind == "only_old" else None, d if kind == "only_new" else None,
                             left, right, False, ())
            for d in readable.decisions if d.outcome.decided)
        return FileImpact(path, problems, changes)
    by_target_old = {d.target: d for d in left.decisions}
    by_target_new = {d.target: d for d in right.decisions}
    mixed = {}
    for cluster in found_clusters:
        loaded = hybrids.get(cluster.id)
        if loaded is None:
            continue
        try:
            result = deciding.evaluate(loaded, path)
        except Exception:  # noqa: BLE001 - attribution is a courtesy; the change itself is still reported
            continue
        mixed[cluster.id] = {d.target: d for d in result.decisions}
    changes = []
    for target in list(by_target_old) + [t for t in by_target_new if t not in by_target_old]:
        a, b = by_target_old.get(target), by_target_new.get(target)
        if a is not None and b is not None:
            if _changed(a, b):
                kind = "value"
            elif a.citations != b.citations or a.basis != b.basis:
                kind = "basis"
            else:
                continue
        else:
            kind = "removed" if b is None else "added"
        causes = []
        if a is not None:
            for cluster in found_clusters:
                other = mixed.get(cluster.id, {}).get(target)
                if other is not None and (_changed(a, other) if kind != "basis" else False):
                    causes.append(cluster.id)
            if not causes and kind == "value":
                causes = [c.id for c in found_clusters if a.value.id in c.decisions and c.id not in mixed]
        changes.append(_decision_change(path, target, kind, a, b, left, right, explain, tuple(causes)))
    return FileImpact(path, problems, tuple(changes))


def _decision_change(path, target, kind, a, b, left, right, explain, causes) -> DecisionChange:
    sa, sb = (_state(a) if a is not None else (None, None, None)), (_state(b) if b is not None else (None, None, None))
    return DecisionChange(
        file=path, target=target, kind=kind,
        old_status=sa[0], new_status=sb[0], old_value=sa[1], new_value=sb[1],
        old_json=_json_of(a), new_json=_json_of(b),
        old_citations=tuple(a.citations) if a is not None else (),
        new_citations=tuple(b.citations) if b is not None else (),
        old_basis=tuple(a.basis) if a is not None else (),
        new_basis=tuple(b.basis) if b is not None else (),
        old_explanation=deciding.explain(left, target)[1] if explain and a is not None else None,
        new_explanation=deciding.explain(right, target)[1] if explain and b is not None else None,
        causes=causes,
    )


# ---------------------------------------------------------------- witness files


def _witness_directory(requested: str | None) -> str:
    if requested is None:
        return tempfile.mkdtemp(prefix="rules-diff-witnesses-")  # removed by _compare before it returns
    try:
        os.makedirs(requested, exist_ok=True)
    except OSError as exc:
        raise DiffError(f"cannot create the witness directory {requested}: {exc.strerror}") from exc
    if not os.path.isdir(requested):
        raise DiffError(f"{requested} is not a directory")
    return requested


def _slug(cluster: Cluster) -> str:
    first = cluster.citations[0] if cluster.citations else "change"
    return re.sub(r"[^a-z0-9]+", "-", first.lower().replace("§", "s")).strip("-") or "change"


class _PlainDumper(yaml.SafeDumper):
    """Safe YAML without anchors and aliases: a repeated date is written out each time."""

    def ignore_aliases(self, data):
        return True


def _yaml_ready(value):
    if isinstance(value, list):
        return [_yaml_ready(v) for v in value]
    if isinstance(value, dict):
        return {k: _yaml_ready(v) for k, v in value.items()}
    return value


def _json_facts(data: dict) -> dict:
    def convert(value):
        if isinstance(value, list):
            return [convert(v) for v in value]
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        if hasattr(value, "isoformat"):
            return value.isoformat()
        return value
    return convert(data)


def _write_witness(directory: str, cluster: Cluster, data: dict, old: str, new: str,
                   old_loaded: Loaded, new_loaded: Loaded, changes=()) -> str:
    path = os.path.join(directory, f"witness_{cluster.id}_{_slug(cluster)}.yaml")
    header = [
        f"# Witness {cluster.id} written by `rules diff`: a minimal fact set on which the two versions",
        "# of the rule set decide differently.",
        f"#   old: {old}",
        f"#   new: {new}",
        f"# Behaviour change: {', '.join(cluster.citations)}"
        + (f" ({', '.join(cluster.values)})" if cluster.values else ""),
        "# Facts not given are unknown: the decisions below do not need them.",
    ]
    if changes:
        own = [c for c in changes if cluster.id in c.causes] or list(changes)
        others = [c for c in changes if c not in own]
        width = max(len(c.target) for c in changes)
        header.append("# Decisions that differ (`rules eval` on each version):")
        header.extend(f"#   {c.target:<{width}}  old: {c.old_shown}   new: {c.new_shown}" for c in own)
        if others:
            header.append("# ... and, because of other changes of the amendment:")
            header.extend(f"#   {c.target:<{width}}  old: {c.old_shown}   new: {c.new_shown}" for c in others)
    body = yaml.dump(_yaml_ready(data), Dumper=_PlainDumper, sort_keys=False, allow_unicode=True, default_flow_style=False)
    try:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write("\n".join(header) + "\n" + body)
    except OSError as exc:
        raise DiffError(f"cannot write the witness {path}: {exc.strerror}") from exc
    return path
