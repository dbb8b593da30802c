"""Property test of `rules fmt` on the shipped rule files and layout-mutated variants of them.

For each variant: formatting succeeds, formatting again changes nothing, and the rule set
loaded from a copy with the formatted file is equal (spans aside) to the rule set loaded
with the original file, with the same diagnostics.
"""
import os
import random
import re
import shutil

from hypothesis import HealthCheck, given, settings, strategies as st

from interpreter.editor.format import format_text
from interpreter.api import load

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RULE_SETS = {
    "ramsa": os.path.join(ROOT, "rules", "ramsa"),
    "cmtsa": os.path.join(ROOT, "rules", "cmtsa"),
    "secure": os.path.join(ROOT, "rules", "secure"),
    "substitute": os.path.join(ROOT, "examples", "amendments", "ramsa_committee_substitute"),
}
FILES = sorted((name, f) for name, path in RULE_SETS.items() for f in os.listdir(path) if f.endswith(".rules"))
# Strings, money and subdivision labels are left as they are (`$1,000` and `(a)` are tokens).
_STRING = re.compile(r'"""[\s\S]*?"""|"(?:[^"\\\n]|\\.)*"|\$[0-9][0-9,]*|\([0-9A-Za-z]{1,8}\)(?=:| ")')


def _inside_long_strings(text: str) -> set[int]:
    """Line numbers (0-based) that a triple-quoted string continues onto."""
    inside = set()
    for match in re.finditer(r'"""[\s\S]*?"""', text):
        first = text.count("\n", 0, match.start())
        inside.update(range(first + 1, first + match.group().count("\n") + 1))
    return inside


def _respace(code: str, rng: random.Random) -> str:
    """Spaces between tokens changed at random, outside strings, without joining two words."""
    code = re.sub(r" +", lambda _: " " * rng.randint(1, 3), code)
    code = re.sub(r" ?([,()\[\]{}]|==|!=|<=|>=|[+*/]) ?",
                  lambda m: rng.choice(["", " "]) + m.group(1) + rng.choice(["", " "]), code)
    return code


def mutate(text: str, seed: int, extra_lines: bool) -> str:
    """A layout variant of `text` that means the same: indentation scaled, spacing changed,
    trailing white space added, statute text re-broken; with `extra_lines`, blank lines and
    comments too (which the formatter keeps)."""
    rng = random.Random(seed)
    scale = rng.randint(1, 3)
    inside = _inside_long_strings(text)
    out = []
    for number, line in enumerate(text.split("\n")):
        if number in inside:
            out.append(line)
            continue
        stripped = line.lstrip(" ")
        indent = " " * ((len(line) - len(stripped)) * scale)
        if "#" not in stripped and stripped.count('"""') % 2 == 0 and rng.random() < 0.5:
            parts = _STRING.split(stripped)
            strings = _STRING.findall(stripped)
            stripped = "".join(_respace(p, rng) + (s if i < len(strings) else "")
                               for i, (p, s) in enumerate(zip(parts, strings + [""])))
        if extra_lines and rng.random() < 0.05:
            out.append(" " * rng.randint(0, 6) + f"# comment {number}")
        if extra_lines and rng.random() < 0.05:
            out.append("")
        out.append(indent + stripped + " " * rng.choice([0, 0, 0, 2]))
    mutated = "\n".join(out)
    return re.sub(r'"""[\s\S]*?"""', lambda m: '"""' + rng.choice(["\n   ", " "]).join(m.group()[3:-3].split()) + '"""',
                  mutated)


def _summary(loaded):
    return loaded.ruleset, loaded.tables, [(d.code, d.message) for d in loaded.diagnostics]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(which=st.sampled_from(FILES), seed=st.integers(0, 2**32 - 1), mutated=st.booleans(), extra_lines=st.booleans())
def test_fmt_is_idempotent_and_keeps_the_rule_set(tmp_path_factory, which, seed, mutated, extra_lines):
    ruleset, filename = which
    directory = tmp_path_factory.mktemp("fmt") / ruleset
    shutil.copytree(RULE_SETS[ruleset], directory, ignore=shutil.ignore_patterns("tests", "examples"))
    path = directory / filename
    original = path.read_text(encoding="utf-8")
    variant = mutate(original, seed, extra_lines) if mutated else original
    path.write_text(variant, encoding="utf-8")
    before = load(str(directory))
    assert before.ok, [d.message for d in before.diagnostics]

    result = format_text(variant, str(path))
    assert result.ok
    assert format_text(result.text, str(path)).text == result.text  # idempotent
    path.write_text(result.text, encoding="utf-8")
    after = load(str(directory))
    assert _summary(after) == _summary(before)
    if mutated and not extra_lines:
        # A layout variant of a formatted file formats back to it.
        assert result.text == format_text(original).text
