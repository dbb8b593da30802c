"""Highlighting: the Pygments lexer and the VS Code TextMate grammar, on every shipped rule file.

The oracle is the language itself: strings, comments and numbers as the formatter's tokenizer
(which mirrors grammar/rules.lark's terminals) finds them, and keywords as grammar/rules.lark
declares them. The TextMate grammar is run by tests/textmate.py, a Python tokenizer that gives the
same scopes as vscode-textmate (compared character by character on every shipped file when the
node modules are installed: see test_the_python_tokenizer_agrees_with_vscode_textmate).
"""
import json
import os
import re
import shutil
import subprocess
import tomllib

import pytest
from pygments.token import Comment, Error, Keyword, Name, Number, Operator, String

from interpreter.editor.format import _TOKEN
from interpreter.editor.lexer import RulesLexer
from interpreter.language.parse import _parser
from tests.textmate import Grammar

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VSCODE = os.path.join(ROOT, "editors", "vscode")
GRAMMAR = os.path.join(VSCODE, "syntaxes", "rules.tmLanguage.json")
KEYWORDS = {t.pattern.value for t in _parser().terminals if t.pattern.type == "str" and t.pattern.value.isidentifier()}


def _shipped():
    found = []
    for top in ("rules", "examples"):
        for directory, _, files in os.walk(os.path.join(ROOT, top)):
            found.extend(os.path.join(directory, f) for f in files if f.endswith(".rules"))
    return sorted(found)


SHIPPED = _shipped()


def _oracle(text):
    """(start, end, what) for each string, comment, number and keyword of `text`."""
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind == "STRING":
            yield match.start(), match.end(), "string"
        elif kind == "COMMENT":
            yield match.start(), match.end(), "comment"
        elif kind in ("DATE", "MONEY", "PERCENT", "NUMBER"):
            yield match.start(), match.end(), "number"
        elif kind == "NAME" and match.group() in KEYWORDS and not text[:match.start()].endswith("."):
            # after a dot the word is a member name (`AnnualReport.complete`): the parser's
            # contextual lexer reads a keyword there as a name
            yield match.start(), match.end(), "keyword"


# ---------------------------------------------------------------- Pygments

def _pygments_kinds(text):
    per_char = [None] * len(text)
    for index, token, value in RulesLexer().get_tokens_unprocessed(text):
        for i in range(index, index + len(value)):
            per_char[i] = token
    return per_char


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: os.path.relpath(p, ROOT))
def test_the_pygments_lexer_has_no_error_token_and_agrees_with_the_grammar(path):
    text = open(path, encoding="utf-8").read()
    tokens = list(RulesLexer().get_tokens_unprocessed(text))
    assert "".join(value for _, _, value in tokens) == text
    assert [value for _, token, value in tokens if token in Error] == []
    per_char = _pygments_kinds(text)
    expected = {"string": (String,), "comment": (Comment,), "number": (Number, Name.Label),
                "keyword": (Keyword, Operator.Word)}
    for start, end, what in _oracle(text):
        for token in per_char[start:end]:
            assert any(token in kind for kind in expected[what]), (path, text[start:end], what, token)


def test_the_pygments_lexer_marks_what_is_not_rule_code():
    tokens = list(RulesLexer().get_tokens("value x: text = 'single quotes'\n"))
    assert (Error, "'") in tokens


def test_the_lexer_is_registered_as_a_pygments_entry_point():
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as handle:
        project = tomllib.load(handle)["project"]
    target = project["entry-points"]["pygments.lexers"]["rules"]
    module, _, name = target.partition(":")
    assert getattr(__import__(module, fromlist=[name]), name) is RulesLexer
    assert any(d.lower().startswith("pygments") for d in project["dependencies"])


# ---------------------------------------------------------------- TextMate

@pytest.fixture(scope="module")
def grammar():
    return Grammar(GRAMMAR)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: os.path.relpath(p, ROOT))
def test_the_textmate_grammar_scopes_every_keyword_string_and_comment(grammar, path):
    text = open(path, encoding="utf-8").read()
    lines = grammar.tokenize(text)
    starts = [m.start() for m in re.finditer(r"^", text, re.M)]
    wanted = {"string": ("string.",), "comment": ("comment.",), "number": ("constant.", "entity.name.section."),
              "keyword": ("keyword.", "storage.", "constant.language.", "support.")}
    for start, end, what in _oracle(text):
        for offset in range(start, end):
            if text[offset] == "\n":
                continue
            line = max(i for i, s in enumerate(starts) if s <= offset)
            scopes = lines[line][offset - starts[line]]
            assert any(s.startswith(wanted[what]) for s in scopes[1:]), (path, line + 1, text[start:end], what, scopes)


def test_the_textmate_check_can_fail(grammar):
    """A grammar without its string rules leaves strings unscoped, and the check sees it."""
    broken = Grammar(GRAMMAR)
    broken.root = [r for r in broken.root if not r.get("name", "").startswith("string")]
    scopes = broken.tokenize('note "x"')[0]
    assert not any(s.startswith("string.") for s in scopes[6])
    assert any(s.startswith("string.") for s in grammar.tokenize('note "x"')[0][6])


def test_the_extension_declares_the_language_the_grammar_and_the_client():
    package = json.load(open(os.path.join(VSCODE, "package.json"), encoding="utf-8"))
    [language] = package["contributes"]["languages"]
    assert language["id"] == "rules" and language["extensions"] == [".rules"]
    [grammar_entry] = package["contributes"]["grammars"]
    assert os.path.join(VSCODE, grammar_entry["path"]) == os.path.join(VSCODE, "./syntaxes/rules.tmLanguage.json")
    assert grammar_entry["scopeName"] == json.load(open(GRAMMAR, encoding="utf-8"))["scopeName"]
    configuration = json.load(open(os.path.join(VSCODE, language["configuration"]), encoding="utf-8"))
    assert configuration["comments"]["lineComment"] == "#"
    assert re.search(configuration["indentationRules"]["increaseIndentPattern"], '  subsection (a) "X":')
    client = open(os.path.join(VSCODE, package["main"]), encoding="utf-8").read()
    assert '"lsp"' in client and "vscode-languageclient" in client and "vscode-languageclient" in package["dependencies"]


@pytest.mark.skipif(shutil.which("node") is None
                    or not os.path.isdir(os.path.join(VSCODE, "node_modules", "vscode-textmate")),
                    reason="the reference tokenizer is not installed (see editors/vscode/test/tokenize.js)")
def test_the_python_tokenizer_agrees_with_vscode_textmate(grammar):
    output = subprocess.run(["node", os.path.join(VSCODE, "test", "tokenize.js"), GRAMMAR, *SHIPPED],
                            capture_output=True, text=True, check=True, timeout=120).stdout
    for path, reference in json.loads(output).items():
        mine = grammar.tokenize(open(path, encoding="utf-8").read())
        assert [[" ".join(s) for s in line] for line in mine] == reference, path


def test_rule_code_in_the_docs_is_marked_for_the_lexer_and_lexes_cleanly():
    blocks = []
    for name in sorted(os.listdir(os.path.join(ROOT, "docs"))):
        if name.endswith(".md"):
            text = open(os.path.join(ROOT, "docs", name), encoding="utf-8").read()
            blocks += [(name, body) for body in re.findall(r"^```rules\n(.*?)^```", text, re.M | re.S)]
    assert sum(1 for name, _ in blocks if name == "language.md") >= 10
    for name, body in blocks:
        assert [v for t, v in RulesLexer().get_tokens(body) if t in Error] == [], (name, body[:80])
