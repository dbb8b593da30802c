"""Scaffold: a folder name (and an act abbreviation) -> a new rule set on disk that checks and tests.

`create(path, act, title)` writes act.rules, one section file, bill/ (a placeholder saying where
the bill's text goes), data/SOURCES.md, an example fact file and a scenario test, and returns
the files it wrote. Guarantees: it never overwrites (a folder that exists and is not empty is
E750); the act name is a valid rule-language name (E751); the rule set it writes passes
`rules check` and `rules test` as written (tests/test_init.py runs both). No user text reaches
the rule files except the act name (checked against the NAME pattern) and the title (written as
a quoted string with its quotes and backslashes escaped).
"""
from __future__ import annotations

import os
import re

from interpreter.language.diagnostics import UserError, error

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

ACT_RULES = '''\
# {title}: the declarations the whole Act shares (facts, entities, enums, tables).
# Written by `rules init`; replace the example with the bill's own terms.
# The language: docs/language.md. A walk-through: docs/tutorial.md.

act {act} "{title}"

fact enactment_date: date "the date of the enactment of this Act"

entity Applicant as applicant from applicants key id "a person who applies under the Act (an example entity)":
  id: text "the application number"
  age: integer "the applicant's age in whole years on the date of the application"
  resident: boolean "the applicant resides in the United States"
  application_date: date "the date the application was received"
'''

SECTION_RULES = '''\
# Section 1 (an example: replace it with the bill's first operative section, one file per section).

section 1 "EXAMPLE PROVISION":
  text "An applicant who has attained the age of 18 years and resides in the United States is eligible."
  note "An example written by `rules init`, not the text of any bill."

  decision Applicant.eligible: boolean "the applicant is eligible"
    = applicant.age >= 18 and applicant.resident

  deadline Applicant.decision_due: date "the application must be decided within 30 days of its receipt"
    = applicant.application_date + 30 days
'''

BILL_README = '''\
# The bill's text

Put the bill's text here as a plain-text file (`*.txt`, for instance copied from congress.gov or
govinfo). `rules coverage {path}` reads it, derives the bill's outline (every section and
subdivision) and reports how the rule set accounts for each provision. Until a `.txt` file is
here, `rules coverage` says there is no bill text (E700).
'''

SOURCES_MD = '''\
# Sources of the reference data

Each table the rule set reads from this folder (`table NAME ... from "data/FILE.csv"`) is listed
here: what it holds, where it comes from (document, date, page or URL), and how it was checked.
Give each row its own source column too (`source COLUMN` in the table declaration), so that
explanations can cite the row they used.

| file | what | source | checked |
|---|---|---|---|
'''

EXAMPLE_FACTS = '''\
# An example fact file: `rules eval {path} {path}/examples/applicants.yaml`
as_of: 2026-03-01
enactment_date: 2026-01-15

applicants:
  - id: A1
    age: 34
    resident: true
    application_date: 2026-02-10
  - id: A2
    age: 17
    resident: true
    application_date: 2026-02-20
  - id: A3
    age: 40
    # `resident` is left out: it is not known, so A3's eligibility is undetermined
    application_date: 2026-02-25
'''

SCENARIO = '''\
# Scenario tests, run by `rules test {path}`: each expectation names a target and what it should be.
scenarios:
  - scenario: an adult resident is eligible; a minor is not; a missing fact leaves it undetermined
    facts_file: ../examples/applicants.yaml
    expect:
      applicants[A1].eligible: {{value: true, citations: ["{act} §1"]}}
      applicants[A2].eligible: false
      applicants[A3].eligible:
        status: undetermined
        missing: ["applicants[A3].resident"]
      applicants[A1].decision_due: 2026-03-12
'''


def _quoted(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def create(path: str, act: str | None = None, title: str | None = None) -> list[str]:
    """Write a new rule set into `path` (created if absent); the files written, relative to `path`."""
    base = os.path.basename(os.path.normpath(path))
    act = act if act is not None else re.sub(r"\W", "_", base).upper()
    if not _NAME.match(act or ""):
        raise UserError([error("E751", f"`{act}` cannot be an act name: use letters, digits and _ (e.g. RAMSA)",
                               suggestions=("give one with --act ABBREV",))])
    if os.path.exists(path) and (not os.path.isdir(path) or os.listdir(path)):
        raise UserError([error("E750", f"{path} already exists and is not an empty folder; `rules init` never overwrites",
                               suggestions=("choose a new name",))])
    title = _quoted(title or f"{base.replace('_', ' ').replace('-', ' ').title()} Act")
    shown = os.path.normpath(path)
    files = {
        "act.rules": ACT_RULES.format(act=act, title=title),
        "s1_example.rules": SECTION_RULES,
        os.path.join("bill", "README.md"): BILL_README.format(path=shown),
        os.path.join("data", "SOURCES.md"): SOURCES_MD,
        os.path.join("examples", "applicants.yaml"): EXAMPLE_FACTS.format(path=shown),
        os.path.join("tests", "example.yaml"): SCENARIO.format(path=shown, act=act),
    }
    try:
        for name, text in files.items():
            target = os.path.join(path, name)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "x", encoding="utf-8") as handle:
                handle.write(text)
    except OSError as exc:
        raise UserError([error("E752", f"cannot write the rule set into {path}: {exc.strerror or exc}")]) from None
    return list(files)
