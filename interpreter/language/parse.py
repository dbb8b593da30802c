"""Parse: rule-file text -> AST (`interpreter.language.ast.RuleFile`), plus syntax diagnostics.

Guarantees: positions are on for every node; each rule and value declaration is
stamped with the citation of the provision it stands in (act name, section and the
labels of every enclosing subdivision); malformed literals (a bad date, a fractional
day count) are reported here with their span. A file that fails to parse yields one
located diagnostic with a plain-language hint instead of Lark's token dump.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
from decimal import Decimal
from importlib import resources

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken
from lark.indenter import DedentError, Indenter

from interpreter.language import ast
from interpreter.language.citation import Citation
from interpreter.language.diagnostics import Diagnostic, error
from interpreter.language.limits import literal_problem
from interpreter.language.source import Span

MAX_EXPRESSION_DEPTH = 500


class _RuleIndenter(Indenter):
    NL_type = "_NL"
    OPEN_PAREN_types = ["LPAR", "LSQB", "LBRACE"]
    CLOSE_PAREN_types = ["RPAR", "RSQB", "RBRACE"]
    INDENT_type = "_INDENT"
    DEDENT_type = "_DEDENT"
    tab_len = 8


@functools.lru_cache(maxsize=1)
def _parser() -> Lark:
    grammar = resources.files("grammar").joinpath("rules.lark").read_text(encoding="utf-8")
    return Lark(
        grammar,
        parser="lalr",
        postlex=_RuleIndenter(),
        propagate_positions=True,
        maybe_placeholders=False,
        cache=True,
    )


# ---------------------------------------------------------------- syntax errors

_TOKEN_WORDS = {
    "NAME": "a name",
    "STRING": "a quoted string",
    "_NL": "the end of the line",
    "_INDENT": "an indented block",
    "_DEDENT": "the end of the indented block",
    "COLON": "`:`",
    "EQUAL": "`=`",
    "LPAR": "`(`",
    "RPAR": "`)`",
    "LSQB": "`[`",
    "RSQB": "`]`",
    "LBRACE": "`{`",
    "RBRACE": "`}`",
    "COMMA": "`,`",
    "DOT": "`.`",
    "LABEL": "a subdivision label such as (a)",
    "LEVEL": "subsection/paragraph/subparagraph/clause/subclause",
    "SECTION_NUMBER": "a section number",
    "NUMBER": "a number",
    "DATE": "a date (YYYY-MM-DD)",
    "COMPARE": "a comparison",
    "VALUE_KIND": "`decision` or `value`",
    "$END": "the end of the file",
}


def _describe_token(name: str) -> str:
    if name in _TOKEN_WORDS:
        return _TOKEN_WORDS[name]
    if name.startswith("__ANON") or name.isupper():
        return f"`{name.lower()}`"
    return name


def _describe_expected(expected) -> str:
    words = sorted({_describe_token(name) for name in expected if not name.startswith("__")})
    if not words:
        return ""
    if len(words) > 6:
        words = words[:6] + ["…"]
    return ", ".join(words)


def _syntax_diagnostic(exc: UnexpectedInput, file: str, text: str) -> Diagnostic:
    line = getattr(exc, "line", 1) or 1
    column = getattr(exc, "column", 1) or 1
    if line < 1:
        lines = text.splitlines() or [""]
        line, column = len(lines), len(lines[-1]) + 1
    span = Span(file, line, column, line, column + 1)
    suggestions: list[str] = []
    if isinstance(exc, UnexpectedCharacters):
        char = text[exc.pos_in_stream] if exc.pos_in_stream < len(text) else ""
        message = f"unexpected character `{char}`"
        if char == "'":
            suggestions.append('strings use double quotes: "like this"')
        elif char == "§":
            suggestions.append("citations come from the provision headings; write `section 4:` and `subsection (b):`")
    elif isinstance(exc, UnexpectedToken):
        token = exc.token
        if token.type == "$END":
            message = "the file ends in the middle of a statement"
        elif token.type == "_NL":
            message = "the line ends too early"
        elif token.type == "_INDENT":
            message = "unexpected indentation"
            suggestions.append("only the body of a heading ending in `:` or the clauses of a rule are indented")
            suggestions.append("to continue an expression on the next line, start that line with "
                               "`and`, `or`, `then`, `else` or an operator, or wrap the expression in parentheses")
        elif token.type == "_DEDENT":
            message = "a block ends where more was expected"
        else:
            message = f"unexpected `{token.value}`"
        expected = _describe_expected(exc.expected)
        if expected:
            message += f"; expected {expected}"
        if "COLON" in exc.expected and token.type == "_NL":
            suggestions.append("a heading such as `subsection (b) \"Eligibility criteria\":` ends with `:`")
        if token.type == "NAME" and token.value in {"elif", "else"}:
            suggestions.append("write `if C then A else B` on one line (wrap it in parentheses to break lines)")
        if token.type == "COMPARE" and token.value == "=":
            suggestions.append("a rule gives its value with `= expression` on its own clause line")
    elif isinstance(exc, UnexpectedEOF):
        message = "the file ends in the middle of a statement"
    else:
        message = "syntax error"
    return error("E100", f"syntax error: {message}", span, suggestions=tuple(suggestions))


def parse_tree(file: str, text: str) -> tuple[Tree | None, list[Diagnostic]]:
    """Stage 1a: text -> Lark parse tree, or one syntax diagnostic."""
    if not text.endswith("\n"):
        text += "\n"
    try:
        return _parser().parse(text), []
    except UnexpectedInput as exc:
        return None, [_syntax_diagnostic(exc, file, text)]
    except DedentError as exc:
        line = _line_of_dedent_error(str(exc), text)
        return None, [
            error(
                "E101",
                "syntax error: this line's indentation matches no enclosing block",
                Span(file, line, 1, line, 2),
                suggestions=("indent it exactly as far as a heading or clause above it",),
            )
        ]


def _line_of_dedent_error(message: str, text: str) -> int:
    match = re.search(r"(\d+)", message)
    # Lark reports the indentation width, not the line; find the first line that has it.
    if match:
        width = int(match.group(1))
        stack = [0]
        for number, raw in enumerate(text.splitlines(), start=1):
            stripped = raw.lstrip(" \t")
            if not stripped or stripped.startswith("#"):
                continue
            indent = len(raw) - len(stripped)
            if indent > stack[-1]:
                stack.append(indent)
            else:
                while indent < stack[-1]:
                    stack.pop()
                if indent != stack[-1] and indent == width:
                    return number
    return 1


# ---------------------------------------------------------------- tree -> AST

def _span(file: str, item) -> Span:
    if isinstance(item, Token):
        return Span(file, item.line, item.column, item.end_line or item.line, item.end_column or item.column + 1)
    meta = item.meta
    if getattr(meta, "empty", True):
        return Span.point(file)
    return Span(file, meta.line, meta.column, meta.end_line, meta.end_column)


def unquote(token: str) -> str:
    if token.startswith('"""'):
        body = token[3:-3]
        return re.sub(r"\s+", " ", body).strip()
    body = token[1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


class _TooDeep(Exception):
    """Unwinds a too-deep expression to its top, where it is reported once."""


class _Builder:
    """Walks one file's parse tree top-down so citations flow into rules."""

    def __init__(self, file: str, act_name: str):
        self.file = file
        self.act_name = act_name
        self.diagnostics: list[Diagnostic] = []

    def span(self, item) -> Span:
        return _span(self.file, item)

    def _strings(self, children) -> list[str]:
        return [unquote(c.value) for c in children if isinstance(c, Token) and c.type == "STRING"]

    # ---- declarations

    def build_file(self, tree: Tree) -> ast.RuleFile:
        act = None
        uses, enums, entities, facts, tables, sections, uncited = [], [], [], [], [], [], []
        for item in tree.children:
            kind = item.data
            if kind == "act_decl":
                name, title = item.children
                act = ast.ActDecl(name.value, unquote(title.value), span=self.span(item))
            elif kind == "use_decl":
                name_list, section = item.children
                names = tuple(t.value for t in name_list.children)
                uses.append(
                    ast.UseDecl(
                        names,
                        section.value,
                        span=self.span(item),
                        name_spans=tuple(self.span(t) for t in name_list.children),
                    )
                )
            elif kind == "enum_decl":
                enums.append(self.build_enum(item))
            elif kind == "entity_decl":
                entities.append(self.build_entity(item))
            elif kind == "fact_decl":
                name, type_tree, *rest = item.children
                facts.append(
                    ast.FactDecl(name.value, self.build_type(type_tree), (self._strings(rest) or [None])[0], span=self.span(item))
                )
            elif kind == "table_decl":
                tables.append(self.build_table(item))
            elif kind == "section":
                sections.append(self.build_section(item))
            elif kind in ("value_decl", "rule_decl"):
                uncited.append(item)
        if uncited:
            # Kept so `resolve` can report them as rules without a citation.
            nowhere = Citation(self.act_name, "", ())
            sections.append(self.build_provision("section", "", nowhere, uncited, tree))
        return ast.RuleFile(
            self.file, act, tuple(uses), tuple(enums), tuple(entities), tuple(facts), tuple(tables), tuple(sections),
            span=Span.point(self.file),
        )

    def build_type(self, tree) -> ast.TypeRef:
        if tree.data == "set_type":
            return ast.TypeRef("set", self.build_type(tree.children[0]), span=self.span(tree))
        token = tree.children[0]
        return ast.TypeRef(token.value, span=self.span(token))

    def date_of(self, token) -> dt.date | None:
        try:
            return dt.date.fromisoformat(token.value)
        except ValueError:
            self.diagnostics.append(error("E105", f"`{token.value}` is not a valid calendar date", self.span(token),
                                          suggestions=("dates are written YYYY-MM-DD",)))
            return None

    def build_field(self, tree) -> ast.FieldDecl:
        name, type_tree, *rest = tree.children
        return ast.FieldDecl(name.value, self.build_type(type_tree), (self._strings(rest) or [None])[0], span=self.span(tree))

    def build_enum(self, tree) -> ast.EnumDecl:
        name = tree.children[0]
        description = None
        variants = []
        for child in tree.children[1:]:
            if isinstance(child, Token) and child.type == "STRING":
                description = unquote(child.value)
            elif isinstance(child, Tree):
                variant_name, *rest = child.children
                variants.append(ast.EnumVariant(variant_name.value, (self._strings(rest) or [None])[0], span=self.span(child)))
        return ast.EnumDecl(name.value, description, tuple(variants), span=self.span(tree))

    def build_entity(self, tree) -> ast.EntityDecl:
        name, variable, collection, key, *rest = tree.children
        description = (self._strings(rest) or [None])[0]
        fields = tuple(self.build_field(c) for c in rest if isinstance(c, Tree))
        return ast.EntityDecl(name.value, variable.value, collection.value, key.value, description, fields, span=self.span(tree))

    def build_table(self, tree) -> ast.TableDecl:
        children = list(tree.children)
        name = children.pop(0)
        description = None
        if isinstance(children[0], Token) and children[0].type == "STRING" and isinstance(children[1], Token) and children[1].type == "STRING":
            description = unquote(children.pop(0).value)
        path = unquote(children.pop(0).value)
        key = children.pop(0).value
        prefix = False
        dated_from = dated_until = source = valid_from = valid_through = None
        complete = False
        columns = []
        for child in children:
            if child.data == "key_match":
                prefix = True
            elif child.data == "table_dating":
                dated_from = child.children[0].value
                if len(child.children) > 1:
                    dated_until = child.children[1].value
            elif child.data == "table_source":
                source = child.children[0].value
            elif child.data == "table_extent":
                complete = child.children[0].value == "complete"
            elif child.data == "table_validity":
                valid_from = self.date_of(child.children[0])
                valid_through = self.date_of(child.children[1]) if len(child.children) > 1 else None
            elif child.data == "table_validity_until":
                valid_through = self.date_of(child.children[0])
            elif child.data == "field_decl":
                columns.append(self.build_field(child))
        return ast.TableDecl(
            name.value, description, path, key, prefix, dated_from, dated_until, source, tuple(columns), span=self.span(tree),
            complete=complete, valid_from=valid_from, valid_through=valid_through,
        )

    # ---- provisions

    def build_section(self, tree) -> ast.Provision:
        number, *rest = tree.children
        citation = Citation(self.act_name, number.value, ())
        return self.build_provision("section", number.value, citation, rest, tree)

    def build_provision(self, level: str, label: str, citation: Citation, children, tree) -> ast.Provision:
        heading = None
        text = text_span = None
        notes: list[str] = []
        non_operative = None
        provisional = None
        subdivisions, values, rules = [], [], []
        for child in children:
            if isinstance(child, Token):
                if child.type == "STRING":
                    heading = unquote(child.value)
                continue
            kind = child.data
            if kind == "statute_text":
                text, text_span = unquote(child.children[0].value), self.span(child)
            elif kind == "note":
                notes.append(unquote(child.children[0].value))
            elif kind == "non_operative":
                non_operative = unquote(child.children[0].value)
            elif kind == "provisional":
                provisional = unquote(child.children[0].value)
            elif kind == "subdivision":
                level_tree, label_token, *body = child.children
                level_token = level_tree.children[0]
                sub_label = label_token.value[1:-1]
                subdivisions.append(
                    self.build_provision(level_token.value, sub_label, citation.child(sub_label), body, child)
                )
            elif kind == "value_decl":
                value, rule = self.build_value(child, citation)
                values.append(value)
                if rule is not None:
                    rules.append(rule)
            elif kind == "rule_decl":
                rules.append(self.build_rule(child, citation))
        return ast.Provision(
            level, label, heading, citation, text, tuple(notes), non_operative, provisional,
            tuple(subdivisions), tuple(values), tuple(rules), span=self.span(tree), text_span=text_span,
        )

    def build_target(self, tree) -> ast.Target:
        tokens = tree.children
        if len(tokens) == 2:
            return ast.Target(tokens[0].value, tokens[1].value, span=self.span(tree))
        return ast.Target(None, tokens[0].value, span=self.span(tree))

    def build_value(self, tree, citation: Citation):
        kind_tree, target_tree, type_tree, *rest = tree.children
        kind = kind_tree.children[0]
        target = self.build_target(target_tree)
        description = None
        body = []
        for child in rest:
            if isinstance(child, Token) and child.type == "STRING":
                description = unquote(child.value)
            else:
                body.append(child)
        value = ast.ValueDecl(kind.value, target, self.build_type(type_tree), description, citation, span=self.span(tree))
        if not body:
            return value, None
        # The rule written with a declaration is labelled with the value's full name.
        rule = self._rule_from_clauses(str(target), target, body, citation, tree)
        return value, rule

    def build_rule(self, tree, citation: Citation) -> ast.RuleDecl:
        label, target_tree, *rest = tree.children
        target = self.build_target(target_tree)
        body = [c for c in rest if not (isinstance(c, Token) and c.type == "STRING")]
        return self._rule_from_clauses(label.value, target, body, citation, tree)

    def _rule_from_clauses(self, label, target, body, citation, tree) -> ast.RuleDecl:
        consequence = condition = exception_to = None
        exception_span = None
        notes = []
        for clause in body:
            if not isinstance(clause, Tree) or clause.data not in {"consequence", "condition", "exception_to", "rule_note"}:
                # `= expr` written on the declaration line
                consequence = self.expression(clause)
                continue
            if clause.data == "consequence":
                if consequence is not None:
                    self.diagnostics.append(
                        error("E102", f"rule `{label}` gives its value twice", self.span(clause))
                    )
                consequence = self.expression(clause.children[0])
            elif clause.data == "condition":
                new_condition = self.expression(clause.children[0])
                condition = new_condition if condition is None else ast.Binary("and", condition, new_condition, span=new_condition.span)
            elif clause.data == "exception_to":
                # `exception to LABEL`, or the full label `Entity.value` of a declaration's own rule
                names = [child for child in clause.children if isinstance(child, Token)]
                exception_to = ".".join(name.value for name in names)
                first, last = self.span(names[0]), self.span(names[-1])
                exception_span = Span(first.file, first.line, first.column, last.end_line, last.end_column)
            elif clause.data == "rule_note":
                notes.append(unquote(clause.children[0].value))
        if consequence is None:
            self.diagnostics.append(
                error(
                    "E103",
                    f"rule `{label}` has no value",
                    self.span(tree),
                    suggestions=("add a clause line `= expression` under the rule",),
                )
            )
            consequence = ast.Literal("boolean", False, span=self.span(tree))
        return ast.RuleDecl(
            label, target, consequence, condition, exception_to, tuple(notes), citation,
            span=self.span(tree), exception_span=exception_span,
        )

    # ---- expressions

    def expression(self, tree, depth: int = 0):
        if depth == 0:
            try:
                return self._expression(tree, 0)
            except _TooDeep:
                self.diagnostics.append(
                    error("E104", f"expression nested deeper than {MAX_EXPRESSION_DEPTH} levels", self.span(tree),
                          suggestions=("split it into named values",))
                )
                return ast.Literal("boolean", False, span=self.span(tree))
        return self._expression(tree, depth)

    def _expression(self, tree, depth: int):
        if depth > MAX_EXPRESSION_DEPTH:
            raise _TooDeep()
        build = functools.partial(self._expression, depth=depth + 1)
        span = self.span(tree)
        if isinstance(tree, Token):
            if tree.type == "NAME":
                return ast.Name(tree.value, span=span)
            raise AssertionError(f"unexpected token {tree.type}")
        kind = tree.data
        c = tree.children
        if kind == "name":
            return ast.Name(c[0].value, span=span)
        if kind.endswith("_lit"):
            return self.literal(kind, c, span)
        if kind == "member_access":
            return ast.MemberAccess(build(c[0]), c[1].value, span=span)
        if kind == "lookup":
            as_of = build(c[2].children[0]) if len(c) > 2 else None
            return ast.Lookup(build(c[0]), build(c[1]), as_of, span=span)
        if kind == "arith":
            return ast.Binary(c[1].value, build(c[0]), build(c[2]), span=span)
        if kind == "compare":
            op = "=" if c[1].value == "==" else c[1].value
            return ast.Binary(op, build(c[0]), build(c[2]), span=span)
        if kind in ("and_", "or_"):
            return ast.Binary(kind[:-1], build(c[0]), build(c[1]), span=span)
        if kind == "not_":
            return ast.Not(build(c[0]), span=span)
        if kind == "negate":
            return ast.Negate(build(c[0]), span=span)
        if kind in ("member", "not_member"):
            as_of = build(c[2].children[0]) if len(c) > 2 else None
            return ast.Membership(build(c[0]), build(c[1]), as_of, kind == "not_member", span=span)
        if kind == "if_expr":
            return ast.If(build(c[0]), build(c[1]), build(c[2]), span=span)
        if kind == "call":
            return ast.Call(c[0].value, tuple(build(a) for a in c[1:]), span=span)
        if kind == "all_any_of":
            return ast.AllAnyOf(c[0].children[0].value, tuple(build(a) for a in c[1:]), span=span)
        if kind == "quantifier":
            return ast.Quantifier(c[0].children[0].value, c[1].value, build(c[2]), build(c[3]), span=span)
        if kind == "count":
            where = build(c[2]) if len(c) > 2 else None
            return ast.Aggregate("count", c[0].value, build(c[1]), None, where, span=span)
        if kind == "aggregate":
            where = build(c[4]) if len(c) > 4 else None
            return ast.Aggregate(c[0].children[0].value, c[2].value, build(c[3]), build(c[1]), where, span=span)
        if kind == "set_builder":
            where = build(c[3]) if len(c) > 3 else None
            return ast.Aggregate("set", c[1].value, build(c[2]), build(c[0]), where, span=span)
        if kind == "set_literal":
            return ast.SetLiteral(tuple(build(a) for a in c), span=span)
        raise AssertionError(f"unknown expression node {kind}")

    def literal(self, kind: str, c, span: Span):
        if kind == "boolean_lit":
            return ast.Literal("boolean", c[0].children[0].value == "true", span=span)
        token = c[0].value
        if kind == "boolean_lit":
            return ast.Literal("boolean", token == "true", span=span)
        if kind == "string_lit":
            return ast.Literal("text", unquote(token), span=span)
        if kind in ("number_lit", "percent_lit", "money_lit", "duration_lit") and literal_problem(token.strip("$%")):
            shown = token if len(token) <= 24 else f"{token[:20]}…"
            self.diagnostics.append(error("E107", f"`{shown}` is out of range: {literal_problem(token.strip('$%'))}", span))
            return ast.Literal({"number_lit": "integer", "percent_lit": "rate", "money_lit": "money"}.get(kind, "duration"),
                               ast.Duration(0, "days") if kind == "duration_lit" else 0, span=span)
        if kind == "number_lit":
            if "." in token:
                return ast.Literal("decimal", Decimal(token), span=span)
            return ast.Literal("integer", int(token), span=span)
        if kind == "percent_lit":
            return ast.Literal("rate", Decimal(token[:-1]).scaleb(-2), span=span)
        if kind == "money_lit":
            return ast.Literal("money", Decimal(token[1:].replace(",", "")), span=span)
        if kind == "date_lit":
            try:
                return ast.Literal("date", dt.date.fromisoformat(token), span=span)
            except ValueError:
                self.diagnostics.append(error("E105", f"`{token}` is not a valid calendar date", span,
                                              suggestions=("dates are written YYYY-MM-DD",)))
                return ast.Literal("date", dt.date(1, 1, 1), span=span)
        if kind == "duration_lit":
            unit = c[1].children[0].value
            if "." in token:
                self.diagnostics.append(error("E106", f"durations count whole {unit}: `{token}` is fractional", span))
            unit = unit if unit.endswith("s") else unit + "s"
            return ast.Literal("duration", ast.Duration(int(Decimal(token)), unit), span=span)
        raise AssertionError(kind)


def declared_act_name(tree: Tree) -> str | None:
    for item in tree.children:
        if isinstance(item, Tree) and item.data == "act_decl":
            return item.children[0].value
    return None


def build_ast(file: str, tree: Tree, act_name: str) -> tuple[ast.RuleFile, list[Diagnostic]]:
    """Stage 1b: parse tree -> AST, stamping citations under `act_name`."""
    builder = _Builder(file, act_name)
    return builder.build_file(tree), builder.diagnostics


@functools.lru_cache(maxsize=32)  # about 0.7 MB for RAMSA's largest file
def _remembered_tree(file: str, text: str) -> tuple[Tree | None, tuple[Diagnostic, ...]]:
    # Trees are only read after parsing, so an unchanged file (the language server re-loads the
    # whole rule set on every keystroke in one file) is not parsed again.
    tree, problems = parse_tree(file, text)
    return tree, tuple(problems)


def parse_files(sources: list[tuple[str, str]]) -> tuple[list[ast.RuleFile], list[Diagnostic]]:
    """Parse every file of a rule set. The act name (for citations) is read first."""
    trees: list[tuple[str, Tree]] = []
    diagnostics: list[Diagnostic] = []
    for file, text in sources:
        tree, problems = _remembered_tree(file, text)
        diagnostics.extend(problems)
        if tree is not None:
            trees.append((file, tree))
    act_names = [name for _, tree in trees if (name := declared_act_name(tree))]
    act_name = act_names[0] if act_names else "Act"
    files = []
    for file, tree in trees:
        rule_file, problems = build_ast(file, tree, act_name)
        files.append(rule_file)
        diagnostics.extend(problems)
    return files, diagnostics
