"""API: the public façade the CLI and other programs call; no stage logic lives here.

load(path) -> Loaded; evaluate(loaded, facts) -> EvaluationResult; decide(loaded, facts, target);
explain(result, target) -> Explanation; coverage / notes / document for the bill; run_scenarios for
tests kept with a rule set; the renderers of `interpreter.evaluation.report`. Errors in user input
come back as diagnostics (values), never as exceptions, except `UserError` at this boundary.
Batch runs (`interpreter.batch`) and amendment diffs (`interpreter.amendments`) have façades of
their own, imported only when used so that start-up stays light.
"""
from __future__ import annotations

from interpreter.evaluation import explain_text, report
from interpreter.evaluation.decide import (
    DecisionResult, EvaluationResult, TargetError, decide, decision_of, evaluate, evaluate_data, explain, explain_all,
    find_target, require_loaded, resolve_target, select, targets,
)
from interpreter.language.diagnostics import UserError
from interpreter.language import load_cache, pipeline
from interpreter.language.pipeline import Loaded


def load(path: str, overlays: dict[str, str] | None = None) -> Loaded:
    """Read, parse, resolve and check a rule set and load its tables; from the user's cache of the
    checked rule set when exactly these files (and this interpreter) were loaded before.
    `overlays` (absolute path -> text read instead of the file's, an editor's unsaved text) bypass the cache."""
    if overlays:
        return pipeline.load(path, overlays)
    return load_cache.load(path)


def run_scenarios(loaded: Loaded, files: list[str] | None = None) -> list:
    """The scenario tests kept in the rule set's tests/ folder (or `files`), each run and compared."""
    from interpreter.evaluation.scenarios import run_scenarios as run

    return run(loaded, files)


def check(path: str) -> Loaded:
    """Load a rule set and, if it loads and keeps its bill text in `bill/`, check every statute
    quote against the bill (stage `quotes`, E710)."""
    import attrs

    from interpreter.bill.coverage import bill_text_path
    from interpreter.bill.quotes import check_quotes

    from interpreter.evaluation.overlaps import overlap_warnings
    from interpreter.language.check import unread_warnings

    loaded = load(path)
    if loaded.ok:
        loaded = attrs.evolve(loaded, diagnostics=loaded.diagnostics + tuple(unread_warnings(loaded.ruleset))
                              + tuple(overlap_warnings(loaded)))
    bill = bill_text_path(loaded.root) if loaded.ok else None
    if bill is None:
        return loaded
    return attrs.evolve(loaded, diagnostics=loaded.diagnostics + tuple(check_quotes(loaded, bill)),
                        stages=loaded.stages + ("quotes",))


def coverage(loaded: Loaded):
    """How the rule set accounts for each provision of its bill, with the scenarios run."""
    from interpreter.bill.coverage import coverage as build

    require_loaded(loaded)
    return build(loaded, run_scenarios(loaded))


def notes(loaded: Loaded) -> list[dict]:
    from interpreter.bill.coverage import notes as collect

    require_loaded(loaded)
    return collect(loaded)


def document(loaded: Loaded) -> str:
    from interpreter.bill.document import document as render

    require_loaded(loaded)
    return render(loaded)


def init(path: str, act: str | None = None, title: str | None = None) -> list[str]:
    """A new rule set in `path` that passes check and test as written; the files it wrote."""
    from interpreter.bill.scaffold import create

    return create(path, act, title)


def compile_program(loaded: Loaded, entity: str | None = None) -> list:
    """The generated row-wise program (`engines.generated.Listing`: source, size, time) of `entity` (a name
    or a collection), or of every entity that has decisions; UserError E607 for an unknown entity."""
    from interpreter.engines.generated import listing
    from interpreter.language.diagnostics import did_you_mean, error

    ruleset = loaded.ruleset
    if entity is None:
        names = [e.name for e in ruleset.entities.values() if any(v.owner == e.name for v in ruleset.decisions())]
    else:
        found = ruleset.entities.get(entity) or ruleset.entity_by_collection(entity)
        if found is None:
            known = [e.name for e in ruleset.entities.values()]
            raise UserError([error("E607", f"no entity `{entity}` in this rule set", None,
                                   suggestions=did_you_mean(entity, known) or (f"the entities are: {', '.join(known)}",))])
        names = [found.name]
    return [listing(ruleset, loaded.tables, name) for name in names]


__all__ = ["load", "check", "evaluate", "evaluate_data", "decide", "decision_of", "explain", "explain_all", "find_target",
           "resolve_target", "select", "targets", "coverage", "notes", "document", "init", "compile_program", "run_scenarios", "report", "explain_text",
           "DecisionResult", "EvaluationResult", "Loaded", "TargetError", "UserError"]
