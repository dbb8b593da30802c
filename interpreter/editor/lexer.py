"""Lexer: rule-file text -> Pygments tokens, for highlighting rule code in docs and HTML.

Registered as the Pygments lexer `rules` (entry point `pygments.lexers` in pyproject.toml), so
`pygmentize -l rules FILE` and Markdown renderers that use Pygments highlight ```rules blocks.
Guarantees: every character of a file that parses gets a token other than `Error` (tested on
every shipped rule file); keywords, strings, comments, literals and headings are told apart the
way the grammar (grammar/rules.lark) and the TextMate grammar (editors/vscode) tell them apart.
"""
from __future__ import annotations

from pygments.lexer import RegexLexer, bygroups, words
from pygments.token import Comment, Keyword, Name, Number, Operator, Punctuation, String, Text, Whitespace

from interpreter.language.types import BUILTINS

__all__ = ["RulesLexer"]


class RulesLexer(RegexLexer):
    name = "Rules"
    aliases = ["rules"]
    filenames = ["*.rules"]

    tokens = {
        "root": [
            (r"\n", Whitespace),
            (r"[\t \f]+", Whitespace),
            (r"\\[\t \f]*\r?\n", Text),
            (r"#[^\n]*", Comment.Single),
            (r'"""', String.Doc, "long_string"),
            (r'"(?:[^"\\\n]|\\.)*"', String.Double),
            (r"\b(section)(\s+)([0-9]+[A-Za-z]?)\b", bygroups(Keyword.Namespace, Whitespace, Name.Label)),
            (r"\b(subsection|paragraph|subparagraph|clause|subclause)(\s+)(\([0-9A-Za-z]{1,8}\))",
             bygroups(Keyword.Namespace, Whitespace, Name.Label)),
            (r"[0-9]{4}-[0-9]{2}-[0-9]{2}", Number.Other),
            (r"\$(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?", Number.Float),
            (r"[0-9]+(?:\.[0-9]+)?%", Number.Float),
            (r"[0-9]+(?:\.[0-9]+)?", Number),
            (words(("true", "false"), suffix=r"\b"), Keyword.Constant),
            (words(tuple(sorted(BUILTINS)), suffix=r"(?=\s*\()"), Name.Builtin),
            (words(("act", "use", "enum", "entity", "fact", "table", "decision", "deadline", "value", "rule"),
                   prefix=r"\b", suffix=r"\b"), Keyword.Declaration),
            (words(("section", "subsection", "paragraph", "subparagraph", "clause", "subclause", "text", "note",
                    "non_operative", "provisional"), prefix=r"\b", suffix=r"\b"), Keyword.Namespace),
            (words(("when", "exception", "to", "if", "then", "else", "where", "satisfy", "for", "from", "as", "key",
                    "by", "prefix", "dated", "until", "source", "complete", "partial", "valid", "through", "of", "set"), prefix=r"\b", suffix=r"\b"), Keyword),
            (words(("and", "or", "not", "in", "all", "any", "count", "sum", "min", "max"), prefix=r"\b", suffix=r"\b"),
             Operator.Word),
            (words(("boolean", "integer", "decimal", "money", "rate", "date", "duration"), prefix=r"\b", suffix=r"\b"),
             Keyword.Type),
            (words(("days", "day", "months", "month", "years", "year"), prefix=r"\b", suffix=r"\b"), Keyword.Pseudo),
            (r"\bas_of\b", Name.Builtin.Pseudo),
            (r"[A-Za-z_][A-Za-z0-9_]*", Name),
            (r"==|!=|<=|>=|[<>=+\-*/]", Operator),
            (r"[.,:()\[\]{}]", Punctuation),
        ],
        "long_string": [
            (r'"""', String.Doc, "#pop"),
            (r'[^"]+', String.Doc),
            (r'"', String.Doc),
        ],
    }
