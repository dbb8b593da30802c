"""Format: rule-file text -> the same rules in the one canonical layout (`rules fmt`).

Guarantees:
- only layout changes: every token stays, in order, on the line it was on; what changes
  is indentation (two spaces per block, continuation lines two more than their clause and
  two per open bracket), the spacing between tokens, runs of blank lines (one at most, and
  one before each section, subsection, enum, entity and table), trailing white space, the
  filling of triple-quoted strings (statute text) at WIDTH, and the breaking of `when` and
  `=` clause lines longer than WIDTH before their top-level `and`/`or`;
- comments stay where they are, each own-line comment indented like the code below it;
- meaning is kept, and this is checked on every call: the formatted text is parsed again and
  its syntax tree (spans aside) and its comments must equal the original's, or nothing is
  returned but an error;
- idempotent: formatting formatted text changes nothing (tested by a property test).
A file that does not parse is returned unchanged with its syntax diagnostic.
"""
from __future__ import annotations

import re

import attrs

from interpreter.language.diagnostics import Diagnostic
from interpreter.language.parse import build_ast, parse_tree, unquote

WIDTH = 100
INDENT = "  "

_TOKEN = re.compile(
    r'(?P<STRING>"""[\s\S]*?"""|"(?:[^"\\\n]|\\.)*")'
    r"|(?P<COMMENT>#[^\n]*)"
    r"|(?P<NEWLINE>\r?\n)"
    r"|(?P<BACKSLASH>\\[\t \f]*\r?\n)"
    r"|(?P<SPACE>[\t \f]+)"
    # Literals in the order Lark tries them (by priority): a date before a number.
    r"|(?P<DATE>[0-9]{4}-[0-9]{2}-[0-9]{2})"
    r"|(?P<MONEY>\$(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?)"
    r"|(?P<PERCENT>[0-9]+(?:\.[0-9]+)?%)"
    r"|(?P<NUMBER>[0-9]+(?:\.[0-9]+)?)"
    r"|(?P<NAME>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<OP>==|!=|<=|>=|[<>=+\-*/.,:()\[\]{}])"
)

# A line starting with one of these continues the line above (grammar/rules.lark, _NL).
_CONTINUING_WORDS = {"and", "or", "then", "else", "where", "satisfy"}
_CONTINUING_OPS = {"-", "+", "*", "/"}
# Words after which `(` or `-` starts an operand rather than a call or a subtraction.
_KEYWORDS = {
    "and", "or", "not", "in", "if", "then", "else", "when", "satisfy", "where", "of", "for", "as",
    "all", "any", "count", "sum", "min", "max", "section", "subsection", "paragraph", "subparagraph",
    "clause", "subclause", "text", "note", "non_operative", "provisional", "exception", "to",
}
_OPENERS = {"(": ")", "[": "]", "{": "}"}
_CLOSERS = {")", "]", "}"}
_OPERAND_ENDS = {"NAME", "STRING", "DATE", "MONEY", "PERCENT", "NUMBER"}


class FormatError(Exception):
    """The formatter produced text that means something else: a bug, never written out."""


@attrs.frozen
class Formatted:
    text: str  # the formatted text (the input unchanged when it does not parse)
    diagnostics: tuple[Diagnostic, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.diagnostics


@attrs.frozen
class _Token:
    kind: str
    value: str


@attrs.define
class _Line:
    tokens: list  # code tokens of this physical line (a multi-line string counts as one)
    comment: str | None = None
    backslash: bool = False  # ends with `\` (the next line continues it)
    indent_width: int = 0  # as Lark's indenter measures it
    at_file_start: bool = False


# ---------------------------------------------------------------- reading

def _physical_lines(text: str) -> list[_Line]:
    lines = [_Line([], at_file_start=True)]
    position = 0
    line_start = True
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise FormatError(f"unexpected character {text[position]!r} at offset {position}")
        kind, value = match.lastgroup, match.group()
        position = match.end()
        current = lines[-1]
        if kind == "SPACE":
            if line_start:
                current.indent_width = value.count(" ") + value.count("\t") * 8
            continue
        if kind in ("NEWLINE", "BACKSLASH"):
            current.backslash = kind == "BACKSLASH"
            lines.append(_Line([]))
            line_start = True
            continue
        line_start = False
        if kind == "COMMENT":
            current.comment = value.rstrip()
        else:
            current.tokens.append(_Token(kind, value))
    return lines


def _is_word(token: _Token | None, words) -> bool:
    return token is not None and token.kind == "NAME" and token.value in words


# ---------------------------------------------------------------- spacing

def _is_unary_minus(previous: _Token | None) -> bool:
    if previous is None:
        return True
    if previous.kind in _OPERAND_ENDS:
        return previous.kind == "NAME" and previous.value in _KEYWORDS
    return previous.value not in _CLOSERS


def _join(tokens: list[_Token], previous: _Token | None) -> list[str]:
    """The pieces of one line with their separating spaces: ['= ', 'a ', '+ ', 'b']."""
    out: list[str] = []
    before_previous = None
    for token in tokens:
        if out:
            out[-1] += " " if _space_between(previous, token, before_previous) else ""
        out.append(token.value)
        before_previous, previous = previous, token
    return out


def _space_between(left: _Token, right: _Token, before_left: _Token | None) -> bool:
    if right.value in (",", ":", ".") and right.kind == "OP" or right.value in _CLOSERS:
        return False
    if left.kind == "OP" and (left.value in _OPENERS or left.value == "."):
        return False
    if left.kind == "OP" and left.value == "-" and _is_unary_minus(before_left):
        return False
    if right.kind == "OP" and right.value == "(":
        return not (left.kind == "NAME" and left.value not in _KEYWORDS)
    if right.kind == "OP" and right.value == "[":
        return not (left.kind == "NAME" or left.value in _CLOSERS)
    return True


def _fill_string(token: str, first_column: int, indent: str) -> str:
    """A triple-quoted string filled at WIDTH; its meaning (white space collapsed) is unchanged."""
    words = token[3:-3].split()
    if not words:
        return token
    lines, current = [], '"""' + words[0]
    column = first_column
    for word in words[1:]:
        if column + len(current) + 1 + len(word) > WIDTH:
            lines.append(current)
            current, column = indent + word, 0
        else:
            current += " " + word
    lines.append(current + '"""')
    filled = "\n".join(lines)
    if _TOKEN.fullmatch(filled) is None or _TOKEN.match(filled).lastgroup != "STRING" or unquote(filled) != unquote(token):
        return token
    return filled


def _render(tokens: list[_Token], previous: _Token | None, indent: str) -> str:
    pieces = _join(tokens, previous)
    text = indent
    for token, piece in zip(tokens, pieces):
        if token.kind == "STRING" and token.value.startswith('"""'):
            last_line_start = text.rfind("\n") + 1
            piece = _fill_string(token.value, len(text) - last_line_start, indent + INDENT) + piece[len(token.value):]
        text += piece
    return text


# ---------------------------------------------------------------- breaking long clauses

def _break_clause(tokens: list[_Token], previous: _Token | None, indent: str, continuation: str) -> list[str]:
    """A clause line longer than WIDTH, broken before its top-level `and`/`or` (greedy)."""
    segments: list[list[_Token]] = [[]]
    depth = 0
    for token in tokens:
        if depth == 0 and segments[-1] and _is_word(token, ("and", "or")):
            segments.append([])
        segments[-1].append(token)
        if token.kind == "OP" and token.value in _OPENERS:
            depth += 1
        elif token.kind == "OP" and token.value in _CLOSERS:
            depth = max(0, depth - 1)
    lines: list[str] = []
    current: list[_Token] = []
    current_indent = indent
    for segment in segments:
        trial = _render(current + segment, previous, current_indent)
        if current and len(trial) > WIDTH:
            lines.append(_render(current, previous, current_indent))
            previous = current[-1]
            current, current_indent = list(segment), continuation
        else:
            current = current + segment
    lines.append(_render(current, previous, current_indent))
    return lines


# ---------------------------------------------------------------- layout

def _blank_before(tokens: list[_Token], depth: int) -> bool:
    first = tokens[0]
    second = tokens[1] if len(tokens) > 1 else None
    if _is_word(first, ("section",)) and second is not None and second.kind == "NUMBER":
        return True
    if _is_word(first, ("subsection",)) and second is not None and second.value == "(":
        return True
    return depth == 0 and _is_word(first, ("enum", "entity", "table")) and second is not None and second.kind == "NAME"


def _layout(lines: list[_Line]) -> str:
    out: list[str] = []
    indent_stack = [0]
    depth = 0
    bracket_depth = 0
    previous_token: _Token | None = None
    continues = False  # the line above ended with `\`
    logical_indent = ""
    logical_is_clause = False
    between: list[str | None] = []  # comments (text) and blank lines (None) since the last code line

    def flush(indent: str, wants_blank: bool) -> None:
        entries: list[str | None] = []
        for entry in between:
            if entry is None and (not entries and not out or entries and entries[-1] is None):
                continue  # no blank line at the top of the file, none doubled
            entries.append(entry)
        if entries and entries[0] is None and out and out[-1] == "":
            entries.pop(0)
        if wants_blank and out:
            # The blank line a heading asks for goes above the comments written over it.
            run_start = len(entries)
            while run_start > 0 and entries[run_start - 1] is not None:
                run_start -= 1
            if run_start == 0 and out[-1] != "" or run_start > 0 and entries[run_start - 1] is not None:
                entries.insert(run_start, None)
        out.extend("" if entry is None else indent + entry for entry in entries)
        between.clear()

    for line in lines:
        if not line.tokens:
            if line.backslash:
                between.append("\\")
            else:
                between.append(line.comment)
            continue
        first = line.tokens[0]
        is_continuation = (bracket_depth > 0 or continues or _is_word(first, _CONTINUING_WORDS)
                           or (first.kind == "OP" and first.value in _CONTINUING_OPS))
        if is_continuation:
            leading_closers = 0
            for token in line.tokens:
                if token.kind == "OP" and token.value in _CLOSERS:
                    leading_closers += 1
                else:
                    break
            indent = logical_indent + INDENT + INDENT * max(0, bracket_depth - leading_closers)
        else:
            width = 0 if line.at_file_start else line.indent_width
            if width > indent_stack[-1]:
                indent_stack.append(width)
            else:
                while width < indent_stack[-1]:
                    indent_stack.pop()
            depth = len(indent_stack) - 1
            indent = logical_indent = INDENT * depth
            logical_is_clause = _is_word(first, ("when",)) or (first.kind == "OP" and first.value == "=")
        flush(indent, not is_continuation and _blank_before(line.tokens, depth))
        rendered = _render(line.tokens, previous_token, indent)
        if logical_is_clause and bracket_depth == 0 and len(rendered) > WIDTH and "\n" not in rendered:
            broken = _break_clause(line.tokens, previous_token, indent, logical_indent + INDENT)
        else:
            broken = [rendered]
        if line.comment is not None:
            broken[-1] += "  " + line.comment
        if line.backslash:
            broken[-1] += " \\"
        out.extend(broken)
        for token in line.tokens:
            if token.kind == "OP" and token.value in _OPENERS:
                bracket_depth += 1
            elif token.kind == "OP" and token.value in _CLOSERS:
                bracket_depth = max(0, bracket_depth - 1)
        previous_token = line.tokens[-1]
        continues = line.backslash
    flush("", False)
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n" if out else ""


# ---------------------------------------------------------------- the check and the entry point

def _comments(text: str) -> list[str]:
    return [line.comment for line in _physical_lines(text) if line.comment is not None]


def _syntax_tree(file: str, text: str):
    tree, problems = parse_tree(file, text)
    if tree is None:
        return None, problems
    rule_file, problems = build_ast(file, tree, "Act")
    return rule_file, problems


def format_text(text: str, file: str = "<text>") -> Formatted:
    """`text` in the canonical layout, checked to mean exactly what `text` means."""
    before, problems = _syntax_tree(file, text)
    if before is None:
        return Formatted(text, tuple(problems))
    formatted = _layout(_physical_lines(text))
    after, _ = _syntax_tree(file, formatted)
    if after != before:
        raise FormatError(f"formatting {file} would change its rules; it was left as it is")
    if _comments(formatted) != _comments(text):
        raise FormatError(f"formatting {file} would change its comments; it was left as it is")
    return Formatted(formatted)
