"""Hostile inputs for the property test and benchmarks/fuzz.py: seed rule sets and fact files, mutators
that turn them into the kinds of input issue 9 lists, and `exercise`, which feeds one input through the
public API and says how it was answered.

`exercise` returns "result" or "diagnostics"; any other exception is a bug the caller reports. The
mutators are deterministic given a `random.Random`, so a failing input can be replayed from its seed.
"""
from __future__ import annotations

import json
import os
import random
import re
import shutil

from interpreter import api
from interpreter.api import UserError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SMALL_RULE_SETS = [os.path.join(ROOT, "tests", "cases", name, "rules")
                   for name in ("conflict", "diff_base", "shadowing_warning", "type_mismatch", "cycle")]
SMALL_RULE_SETS += [os.path.join(ROOT, "rules", name) for name in ("cmtsa", "secure")]
RAMSA = os.path.join(ROOT, "rules", "ramsa")


def seed_fact_files(acts=("ramsa", "cmtsa", "secure")) -> list[str]:
    found = []
    for act in acts:
        folder = os.path.join(ROOT, "rules", act, "examples")
        found.extend(os.path.join(folder, f) for f in sorted(os.listdir(folder)) if f.endswith((".yaml", ".json")))
    return found


# Values a fact file may carry, as YAML/JSON text: each was a crash, a hang or a wrong answer once.
HOSTILE_SCALARS = [
    "9" * 4301, "9" * 5001, "-" + "9" * 31, "1e999999", "1.0e+400", "NaN", ".nan", ".inf", "-.inf", "Infinity",
    "2027-13-45", "2027-02-29", "0000-00-00", "2027-01-01 25:00:00", "9999-12-31", "0001-01-01",
    '"' + " " * 3000 + 'x"', '"1' + " " * 3000 + 'x"', '"$' + "9" * 40 + '"', '"-$-5"', '"USD  -1,,2.5 USD"',
    '"99999999999999999999999999999999999 days"', '"1e-999999"', '"0.' + "0" * 400 + '1"', "0x" + "f" * 300,
    '"25%"', '"1' + "0" * 40 + '%"', "true", "null", "[]", "{}", '"\\u0000"', '"\\ud800"', "-0", "1_000",
    "[" * 70 + "]" * 70, "!!python/object/apply:os.system [echo]", "&a [*a]", "12:30:45", "0o777", "1:2:3:4",
]

# Values that bind (they fit some declared type) but push evaluation to its edges.
EXTREME_VALUES = [
    '"$999999999999999999999999999999"', '"$0.000000000000000000000000000001"', '"-$5"', "0", "-1", "9223372036854775808",
    "999999999999999999999999999999", "0.000000000000000000000000000001", '"9999-12-31"', '"0001-01-01"', "9999-12-31",
    '"99999 years"', '"0 days"', '"2147483648 months"', '"100%"', '"0%"', '"99999%"', "false", '""', '"L01"', '"AUS"',
    '"CHN"', '"8505.11"', '"2805"', '"processed"',
]

HOSTILE_RULE_SNIPPETS = [
    "9" * 4301, "$" + "9" * 50, "1." + "0" * 60, "99999999999999999999999999999999999%", "2027-02-29",
    "0000-00-00", "(" * 600 + "1" + ")" * 600, "x" * 10000, '"' + "\\" * 30, "\t\t\t", "\n    \n", "\x00", "\ufeff",
    "round_half_up(1, 500)", "round_half_up(1, -5)", "days(" + "9" * 40 + ")", "1 / 0", "sum of", "{" + ", ".join(["1"] * 300) + "}",
    " * 1000000000000000000000000000", " + 99999999999999999999999999999", "exception to", "use x from section 1",
    'table t "t" from "/etc/passwd" key a:\n  a: text\n', 'table t "t" from "../../../../../../etc/passwd" key a:\n  a: text\n',
    "section 1 \"X\":\n", "  subsection (a):\n", "every 0 days", "occurrences(2026-01-01, 1 day, 9999-12-31)",
]


_SAME_KIND = [
    (re.compile(r'^"?\$'), ['"$999999999999999999999999999.99"', '"$0.01"', '"-$5"', '"$0"', '"$123456789012345678901234567890"']),
    (re.compile(r'^"?[0-9]{4}-[0-9]{2}-[0-9]{2}"?$'), ["9999-12-31", "0001-01-01", "2028-02-29", "2026-10-01", "1900-01-01"]),
    (re.compile(r'%"?$'), ['"100%"', '"0%"', '"99999%"', '"0.000000000000000000000000001%"', '"-5%"']),
    (re.compile(r'(day|month|year)s?"?$'), ['"99999 years"', '"0 days"', '"9999999 days"', '"1 month"', '"120000 months"']),
    (re.compile(r"^-?[0-9]+(\.[0-9]+)?$"), ["0", "-1", "999999999999999999999999999999", "0.000000000000000000000000000001"]),
]


def _same_kind(rng: random.Random, value: str) -> str | None:
    """An extreme value of the same kind as `value` (so the file still binds and evaluation is reached)."""
    for pattern, choices in _SAME_KIND:
        if pattern.search(value.strip().rstrip(",")):
            return rng.choice(choices)
    return None


def mutate_text(rng: random.Random, text: str, snippets: list[str], others: list[str]) -> str:
    """One to four edits: insert a hostile snippet, replace a number, delete, duplicate or swap lines, splice."""
    for _ in range(rng.randint(1, 4)):
        lines = text.split("\n")
        choice = rng.random()
        if choice < 0.35 and lines:
            at = rng.randrange(len(text) + 1)
            text = text[:at] + rng.choice(snippets) + text[at:]
        elif choice < 0.55:
            digits = [i for i, c in enumerate(text) if c.isdigit()]
            if digits:
                at = rng.choice(digits)
                text = text[:at] + rng.choice(snippets) + text[at + 1:]
        elif choice < 0.65 and len(lines) > 1:
            del lines[rng.randrange(len(lines))]
            text = "\n".join(lines)
        elif choice < 0.75 and lines:
            at = rng.randrange(len(lines))
            lines.insert(at, lines[at])
            text = "\n".join(lines)
        elif choice < 0.85 and len(lines) > 1:
            a, b = rng.randrange(len(lines)), rng.randrange(len(lines))
            lines[a], lines[b] = lines[b], lines[a]
            text = "\n".join(lines)
        elif others:
            other = rng.choice(others).split("\n")
            start = rng.randrange(len(other))
            piece = other[start:start + rng.randint(1, 8)]
            at = rng.randrange(len(lines) + 1)
            text = "\n".join(lines[:at] + piece + lines[at:])
        else:
            at = rng.randrange(len(text) + 1)
            text = text[:at] + chr(rng.randrange(0x20, 0x250)) + text[at:]
    return text


def mutate_facts(rng: random.Random, text: str, as_json: bool) -> str:
    """A fact file's text, mutated: a hostile scalar in place of a value, a duplicated key, an alias bomb
    or a text-level edit. YAML seeds may be turned into JSON (the data re-dumped, then edited)."""
    if as_json:
        import yaml

        try:
            text = json.dumps(yaml.safe_load(text), default=str, indent=1)
        except Exception:  # noqa: BLE001 - a seed that YAML cannot round-trip: keep the text
            pass
    choice = rng.random()
    if choice < 0.6:
        lines = text.split("\n")
        candidates = [i for i, line in enumerate(lines) if ":" in line]
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            if not candidates:
                break
            i = rng.choice(candidates)
            key, _, value = lines[i].partition(":")
            replacement = _same_kind(rng, value) if rng.random() < 0.7 else None
            lines[i] = f"{key}: {replacement or rng.choice(rng.choice([HOSTILE_SCALARS, EXTREME_VALUES]))}" + ("," if as_json and lines[i].rstrip().endswith(",") else "")
        return "\n".join(lines)
    if choice < 0.7:
        lines = text.split("\n")
        keyed = [line for line in lines if ":" in line]
        if keyed:
            at = rng.randrange(len(lines) + 1)
            lines.insert(at, rng.choice(keyed))
        return "\n".join(lines)
    if choice < 0.75 and not as_json:
        depth, width = rng.randint(3, 9), rng.randint(3, 9)
        bomb = [f"b0: &b0 [{', '.join(['x'] * width)}]"]
        bomb += [f"b{i}: &b{i} [{', '.join([f'*b{i - 1}'] * width)}]" for i in range(1, depth)]
        return text + "\n" + "\n".join(bomb) + "\n"
    return mutate_text(rng, text, HOSTILE_SCALARS, [])


def write_rule_set(rng: random.Random, directory: str) -> str:
    """A mutated copy of a small rule set (one .rules file edited) in `directory`; -> its path."""
    source = rng.choice(SMALL_RULE_SETS)
    target = os.path.join(directory, "rules")
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("bill", "*.txt"))
    beside = os.path.join(os.path.dirname(source), "facts.yaml")  # a golden case's facts
    if os.path.isfile(beside):
        shutil.copy(beside, os.path.join(directory, "facts.yaml"))
    files = sorted(os.path.join(d, f) for d, _, fs in os.walk(target) for f in fs if f.endswith(".rules"))
    others = [open(f, encoding="utf-8").read() for f in files]
    victim = rng.choice(files)
    with open(victim, encoding="utf-8") as handle:
        text = handle.read()
    with open(victim, "w", encoding="utf-8", errors="surrogatepass") as handle:
        handle.write(mutate_text(rng, text, HOSTILE_RULE_SNIPPETS, others))
    return target


def write_fact_file(rng: random.Random, directory: str, act: str = "ramsa") -> str:
    """A mutated copy of one of the act's example fact files in `directory`; -> its path."""
    seed = rng.choice(seed_fact_files((act,)))
    with open(seed, encoding="utf-8") as handle:
        text = handle.read()
    as_json = rng.random() < 0.3
    path = os.path.join(directory, "facts.json" if as_json else "facts.yaml")
    with open(path, "w", encoding="utf-8", errors="surrogatepass") as handle:
        handle.write(mutate_facts(rng, text, as_json))
    return path


def exercise(rule_set: str, facts: str | None, loaded=None) -> str:
    """Load (unless given), evaluate and render; "result" or "diagnostics". Other exceptions are bugs."""
    loaded = loaded if loaded is not None else api.load(rule_set)
    if not loaded.ok:
        api.report.diagnostics_json(loaded.diagnostics)
        return "diagnostics"
    if facts is None:
        api.run_scenarios(loaded)
        return "result"
    try:
        result = api.evaluate(loaded, facts)
    except UserError as error:
        api.report.diagnostics_json(error.diagnostics)
        return "diagnostics"
    api.report.dumps(api.report.result_json(result, None))
    return "result"
