"""Small helpers shared by the unit tests: build a rule set from text in a temp dir."""
import textwrap

from interpreter import evaluate_data
from interpreter import load


def ruleset(tmp_path, text: str, name: str = "act.rules"):
    directory = tmp_path / "rules"
    directory.mkdir(exist_ok=True)
    (directory / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return load(str(directory))


def decide(loaded, data, as_of=None):
    assert loaded.ok, [d.message for d in loaded.diagnostics]
    result = evaluate_data(loaded, data, as_of=as_of)
    return {d.target: d.outcome for d in result.decisions}


# A defaults-and-exceptions rule set used by the semantics and batch tests.
EXCEPTIONS = """
act DEMO "Demonstration Act"

enum Treatment:
  free
  matching
  ordinary

entity Good as good from goods key id:
  id: text
  from_member: boolean
  of_concern: boolean

section 1 "TREATMENT":
  decision Good.treatment: Treatment "treatment" = ordinary
  rule member_free: Good.treatment
    = free
    when good.from_member
    exception to treatment
  rule concern_prevails: Good.treatment
    = matching
    when good.of_concern
    exception to member_free
"""
