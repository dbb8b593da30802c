"""Resolve: AST files -> Model (`interpreter.language.model.RuleSet`), plus name diagnostics.

Guarantees on a rule set with no error diagnostics: every declaration is unique;
every type names a primitive, enum, entity or set; every name in an expression is
bound (fact, entity field, value, table, collection, variable or enum variant);
a value from another file is used only where that file imports it with
`use NAME from section N`; every rule belongs to a declared value and every
`exception to` names a rule of the same value; subdivision labels fit their level.
"""
from __future__ import annotations

import os

import attrs

from interpreter.language import ast, model
from interpreter.language import types as T
from interpreter.language.citation import LABEL_STYLES, LEVELS, label_fits_level
from interpreter.language.diagnostics import Diagnostic, Related, did_you_mean, error, warning
from interpreter.language.infer import Declarations, infer
from interpreter.language.source import SourceRegistry


@attrs.frozen
class _Context:
    file: str
    owner: model.Entity | None
    locals: dict  # name -> model.Var


class _Resolver:
    def __init__(self, root: str, files: list[ast.RuleFile], sources: SourceRegistry):
        self.root = root
        self.files = files
        self.sources = sources
        self.diagnostics: list[Diagnostic] = []
        self.enums: dict[str, model.Enum] = {}
        self.entities: dict[str, model.Entity] = {}
        self.facts: dict[str, model.Fact] = {}
        self.tables: dict[str, model.Table] = {}
        self.variants: dict[str, list[model.Enum]] = {}
        self.value_decls: dict[str, tuple[ast.ValueDecl, str]] = {}  # id -> (decl, file)
        self.rule_decls: list[tuple[ast.RuleDecl, str]] = []
        self.section_files: dict[str, str] = {}
        self.imports: dict[str, dict[str, str]] = {}  # file -> name -> section

    def report(self, code, message, span, **kwargs):
        self.diagnostics.append(error(code, message, span, **kwargs))

    # ------------------------------------------------------------ declarations

    def run(self) -> model.RuleSet:
        act = self.find_act()
        self.collect_declarations()
        provisions = self.collect_provisions()
        self.check_imports()
        self.value_types = {vid: self.type(decl.type) for vid, (decl, _) in self.value_decls.items()}
        self.declarations = Declarations(self.entities, self.tables, self.value_types)
        values = self.build_values()
        rules = {rule.label: rule for value in values.values() for rule in value.rules}
        return model.RuleSet(
            act=act.name if act else "Act",
            title=act.title if act else "",
            root=self.root,
            files=tuple(self.files),
            enums=self.enums,
            entities=self.entities,
            facts=self.facts,
            tables=self.tables,
            values=values,
            rules=rules,
            provisions=tuple(provisions),
            sources=self.sources,
        )

    def find_act(self) -> ast.ActDecl | None:
        acts = [f.act for f in self.files if f.act is not None]
        if not acts:
            from interpreter.language.source import Span

            span = Span.point(self.files[0].path) if self.files else None
            self.report(
                "E201",
                "no `act` declaration in this rule set",
                span,
                suggestions=('declare it once, e.g. `act RAMSA "Restoring American Mineral Security Act of 2025"`',),
            )
            return None
        for duplicate in acts[1:]:
            self.report("E202", "a rule set declares its act once", duplicate.span,
                        related=(Related(acts[0].span, "first declared here"),))
        return acts[0]

    def _unique(self, registry: dict, name: str, node, what: str) -> bool:
        taken = self._declared_anywhere(name)
        if taken is not None:
            self.report("E210", f"`{name}` is declared twice", node.span,
                        related=(Related(taken, f"{what} first declared here"),) if taken else ())
            return False
        return True

    def _declared_anywhere(self, name: str):
        for registry in (self.enums, self.entities, self.facts, self.tables):
            if name in registry:
                return registry[name].span
        return None

    def collect_declarations(self) -> None:
        for file in self.files:
            for decl in file.enums:
                if self._unique(self.enums, decl.name, decl, "enum"):
                    enum = model.Enum(decl.name, decl.description, tuple(v.name for v in decl.variants), span=decl.span)
                    self.enums[decl.name] = enum
                    seen = set()
                    for variant in decl.variants:
                        if variant.name in seen:
                            self.report("E210", f"enum `{decl.name}` lists `{variant.name}` twice", variant.span)
                        seen.add(variant.name)
                        self.variants.setdefault(variant.name, []).append(enum)
        # Entities next, so field types can name them.
        for file in self.files:
            for decl in file.entities:
                if self._unique(self.entities, decl.name, decl, "entity"):
                    self.entities[decl.name] = model.Entity(
                        decl.name, decl.variable, decl.collection, decl.key, decl.description, (), span=decl.span
                    )
        for file in self.files:
            for decl in file.entities:
                entity = self.entities.get(decl.name)
                if entity is None or entity.span != decl.span:
                    continue
                fields = self.fields(decl.fields, f"entity `{decl.name}`")
                if decl.key not in {f.name for f in fields}:
                    self.report("E212", f"entity `{decl.name}` is keyed by `{decl.key}`, which is not one of its fields",
                                decl.span, suggestions=did_you_mean(decl.key, [f.name for f in fields]))
                self.entities[decl.name] = attrs.evolve(entity, fields=fields)
            for decl in file.facts:
                if self._unique(self.facts, decl.name, decl, "fact"):
                    self.facts[decl.name] = model.Fact(decl.name, self.type(decl.type), decl.description, span=decl.span)
            for decl in file.tables:
                if self._unique(self.tables, decl.name, decl, "table"):
                    self.tables[decl.name] = self.table(decl)
        collections: dict[str, model.Entity] = {}
        for entity in self.entities.values():
            if entity.collection in collections:
                self.report("E210", f"two entities read the collection `{entity.collection}`", entity.span,
                            related=(Related(collections[entity.collection].span, "first here"),))
            collections[entity.collection] = entity

    def fields(self, decls, owner: str) -> tuple[model.Field, ...]:
        fields, seen = [], {}
        for decl in decls:
            if decl.name in seen:
                self.report("E210", f"{owner} declares `{decl.name}` twice", decl.span,
                            related=(Related(seen[decl.name], "first declared here"),))
                continue
            seen[decl.name] = decl.span
            fields.append(model.Field(decl.name, self.type(decl.type), decl.description, span=decl.span))
        return tuple(fields)

    def table(self, decl: ast.TableDecl) -> model.Table:
        columns = self.fields(decl.columns, f"table `{decl.name}`")
        names = {c.name for c in columns}
        for role, column in (("key", decl.key), ("dated", decl.dated_from), ("until", decl.dated_until), ("source", decl.source_column)):
            if column is not None and column not in names:
                self.report("E213", f"table `{decl.name}` names `{column}` as its {role} column but declares no such column",
                            decl.span, suggestions=did_you_mean(column, names))
        for role, column, kind in (("dated", decl.dated_from, "date"), ("until", decl.dated_until, "date")):
            declared = next((c for c in columns if c.name == column), None)
            if declared is not None and declared.type.kind != kind:
                self.report("E213", f"the {role} column `{column}` of table `{decl.name}` must be a date", declared.span)
        base = os.path.dirname(decl.span.file) if decl.span else self.root
        return model.Table(
            decl.name, decl.description, os.path.normpath(os.path.join(base, decl.path)), decl.key, decl.prefix_match,
            decl.dated_from, decl.dated_until, decl.source_column, columns, span=decl.span,
            complete=decl.complete, valid_from=decl.valid_from, valid_through=decl.valid_through,
        )

    def type(self, ref: ast.TypeRef) -> T.Type:
        if ref.element is not None:
            return T.set_of(self.type(ref.element))
        if ref.name in T.PRIMITIVES:
            return T.Type(ref.name)
        if ref.name in self.enums:
            return T.Type("enum", ref.name)
        if ref.name in self.entities:
            return T.Type("entity", ref.name)
        known = list(T.PRIMITIVES) + list(self.enums) + list(self.entities)
        self.report("E211", f"unknown type `{ref.name}`", ref.span, suggestions=did_you_mean(ref.name, known))
        return T.ANY

    # ------------------------------------------------------------ provisions

    def collect_provisions(self) -> list[ast.Provision]:
        provisions: list[ast.Provision] = []
        seen_sections: dict[str, ast.Provision] = {}
        for file in self.files:
            for section in file.sections:
                number = section.label
                if number in seen_sections:
                    self.report("E214", f"section {number} is encoded in two places", section.span,
                                related=(Related(seen_sections[number].span, "first encoded here"),),
                                suggestions=("keep each section in one file",))
                    continue
                seen_sections[number] = section
                self.section_files[number] = file.path
                self.walk_provision(section, file.path, provisions)
        return provisions

    def walk_provision(self, provision: ast.Provision, file: str, provisions: list) -> None:
        provisions.append(provision)
        labels: dict[str, ast.Provision] = {}
        sibling_level = None
        for child in provision.children:
            if child.level not in LEVELS:
                continue
            if LEVELS.index(child.level) <= LEVELS.index(provision.level):
                self.report(
                    "E220",
                    f"a {child.level} cannot stand inside a {provision.level}; subdivisions go "
                    "subsection > paragraph > subparagraph > clause > subclause",
                    child.span,
                )
            elif sibling_level is not None and child.level != sibling_level.level:
                self.report(
                    "E220",
                    f"{child.level} ({child.label}) stands beside {sibling_level.level} ({sibling_level.label}); "
                    "subdivisions of one provision share a level",
                    child.span,
                    related=(Related(sibling_level.span, "the first subdivision here"),),
                )
            elif not label_fits_level(child.level, child.label):
                description = LABEL_STYLES[child.level][0]
                self.report("E221", f"`({child.label})` is not a {child.level} label: a {child.level} is labelled with {description}",
                            child.span)
            sibling_level = sibling_level or child
            if child.label in labels:
                self.report("E222", f"{child.citation} is encoded twice", child.span,
                            related=(Related(labels[child.label].span, "first encoded here"),))
            labels[child.label] = child
            self.walk_provision(child, file, provisions)
        duplicate_spans = set()
        for value in provision.values:
            value_id = str(value.target)
            if value_id in self.value_decls:
                duplicate_spans.add(value.span)
                first = self.value_decls[value_id][0]
                self.report("E215", f"`{value_id}` is declared twice", value.span,
                            related=(Related(first.span, f"first declared at {first.citation}"),),
                            suggestions=("give further rules for it with `rule LABEL: " + value_id + "`",))
                continue
            self.value_decls[value_id] = (value, file)
        for rule in provision.rules:
            if rule.span not in duplicate_spans:  # already reported as a duplicate declaration
                self.rule_decls.append((rule, file))

    def check_imports(self) -> None:
        for file in self.files:
            names = self.imports.setdefault(file.path, {})
            for use in file.uses:
                section_file = self.section_files.get(use.section)
                if section_file is None:
                    self.report("E232", f"this rule set encodes no section {use.section}", use.span,
                                suggestions=did_you_mean(use.section, self.section_files))
                    continue
                for name, span in zip(use.names, use.name_spans or [use.span] * len(use.names)):
                    defined = [vid for vid, (decl, f) in self.value_decls.items()
                               if decl.target.name == name and decl.citation.section == use.section]
                    if not defined:
                        in_section = [decl.target.name for decl, _ in self.value_decls.values()
                                      if decl.citation.section == use.section]
                        elsewhere = [decl.citation.short for decl, _ in self.value_decls.values() if decl.target.name == name]
                        hint = did_you_mean(name, in_section)
                        if elsewhere:
                            hint += (f"`{name}` is defined in {elsewhere[0]}",)
                        self.report("E233", f"section {use.section} defines no `{name}`", span, suggestions=hint)
                        continue
                    names[name] = use.section

    # ------------------------------------------------------------ values and rules

    def build_values(self) -> dict[str, model.Value]:
        rules_by_value: dict[str, list[model.Rule]] = {vid: [] for vid in self.value_decls}
        labels: dict[str, ast.RuleDecl] = {}
        for rule, file in self.rule_decls:
            if rule.label in labels:
                self.report("E216", f"two rules are labelled `{rule.label}`", rule.span,
                            related=(Related(labels[rule.label].span, "first here"),),
                            suggestions=("rule labels are unique across the act",))
                continue
            labels[rule.label] = rule
        target_of = {label: str(rule.target) for label, rule in labels.items()}
        for rule, file in self.rule_decls:
            if labels.get(rule.label) is not rule:
                continue
            value_id = str(rule.target)
            if rule.exception_to is not None and rule.exception_to not in labels:
                # `exception to NAME` may name the value whose declaration carries the base rule.
                implicit = f"{rule.target.owner}.{rule.exception_to}" if rule.target.owner else rule.exception_to
                if implicit == value_id and value_id in labels:
                    rule = attrs.evolve(rule, exception_to=value_id)
            if rule.citation.section == "":
                declared = self.value_decls.get(value_id)
                if declared is not None and declared[0].span == rule.span:
                    continue  # the declaration itself is reported below
                self.report("E250", f"rule `{rule.label}` stands outside every provision, so it has no citation", rule.span,
                            suggestions=("put it under the section and subdivision it encodes",))
                continue
            if value_id not in self.value_decls:
                self.report("E217", f"rule `{rule.label}` defines `{value_id}`, which is not declared", rule.target.span,
                            suggestions=did_you_mean(value_id, self.value_decls)
                            + ("declare it with `value` or `decision` under the provision that creates it",))
                continue
            decl, _ = self.value_decls[value_id]
            if rule.exception_to is not None:
                if rule.exception_to not in labels:
                    self.report("E240", f"`{rule.label}` is an exception to `{rule.exception_to}`, but no rule has that label",
                                rule.exception_span or rule.span, suggestions=did_you_mean(rule.exception_to, labels))
                elif target_of[rule.exception_to] != value_id:
                    self.report("E241",
                                f"`{rule.label}` defines `{value_id}` but is an exception to `{rule.exception_to}`, "
                                f"which defines `{target_of[rule.exception_to]}`",
                                rule.exception_span or rule.span,
                                related=(Related(labels[rule.exception_to].span, "that rule"),))
            owner = self.entities.get(decl.target.owner) if decl.target.owner else None
            context = _Context(file, owner, {owner.variable: model.Var(owner.variable, T.Type("entity", owner.name))} if owner else {})
            rules_by_value[value_id].append(
                model.Rule(
                    rule.label, value_id,
                    self.expr(rule.consequence, context),
                    self.expr(rule.condition, context) if rule.condition is not None else None,
                    rule.exception_to, rule.notes, rule.citation,
                    span=rule.span, exception_span=rule.exception_span,
                )
            )
        values = {}
        for value_id, (decl, file) in self.value_decls.items():
            if decl.citation.section == "":
                self.report("E250", f"`{value_id}` is declared outside every provision, so it has no citation", decl.span,
                            suggestions=("put it under the section and subdivision it encodes",))
            if decl.target.owner is not None and decl.target.owner not in self.entities:
                self.report("E211", f"`{decl.target.owner}` in `{value_id}` is not an entity", decl.target.span,
                            suggestions=did_you_mean(decl.target.owner, self.entities))
            if not rules_by_value[value_id] and decl.citation.section != "":
                self.report("E218", f"`{value_id}` is declared but no rule gives it a value", decl.span,
                            suggestions=(f"add `= expression` under it, or `rule LABEL: {value_id}` where the law defines it",))
            values[value_id] = model.Value(
                value_id, decl.target.owner, decl.target.name, decl.kind, self.value_types[value_id], decl.description,
                decl.citation, file, tuple(rules_by_value[value_id]), span=decl.span,
            )
        return values

    # ------------------------------------------------------------ expressions

    def visible(self, decl: ast.ValueDecl, file: str, name: str, span) -> bool:
        defining_file = self.value_decls[str(decl.target)][1]
        if defining_file == file or self.imports.get(file, {}).get(name) == decl.citation.section:
            return True
        self.report("E231", f"`{name}` is defined in {decl.citation.short} ({os.path.basename(defining_file)}) "
                            f"but this file does not import it", span,
                    suggestions=(f"add `use {name} from section {decl.citation.section}` at the top of this file",))
        return False

    def expr(self, node, ctx: _Context):
        span = node.span
        if isinstance(node, ast.Literal):
            return model.Const(node.value, T.Type(node.kind), span=span)
        if isinstance(node, ast.Name):
            return self.name(node, ctx)
        if isinstance(node, ast.MemberAccess):
            return self.member(node, ctx)
        if isinstance(node, ast.Lookup):
            if isinstance(node.subject, ast.Name) and node.subject.name in self.tables and node.subject.name not in ctx.locals:
                table = self.tables[node.subject.name]
                return model.TableLookup(table.name, self.expr(node.key, ctx),
                                         self.expr(node.as_of, ctx) if node.as_of is not None else None,
                                         T.Type("row", table.name), span=span)
            self.report("E235", "only reference tables can be looked up with [ ]", span,
                        suggestions=("declare the data as a `table`, or filter a collection with `{x for x in ... where ...}`",))
            return model.Invalid(span=span)
        if isinstance(node, ast.Binary):
            return model.Binary(node.op, self.expr(node.left, ctx), self.expr(node.right, ctx), span=span)
        if isinstance(node, ast.Not):
            return model.Not(self.expr(node.operand, ctx), span=span)
        if isinstance(node, ast.Negate):
            return model.Negate(self.expr(node.operand, ctx), span=span)
        if isinstance(node, ast.Membership):
            element = self.expr(node.element, ctx)
            as_of = self.expr(node.as_of, ctx) if node.as_of is not None else None
            if isinstance(node.collection, ast.Name) and node.collection.name in self.tables and node.collection.name not in ctx.locals:
                return model.TableMembership(node.collection.name, element, as_of, node.negated, span=span)
            if as_of is not None:
                self.report("E236", "`as of` applies only to membership in a dated reference table", node.as_of.span)
            return model.SetMembership(element, self.expr(node.collection, ctx), node.negated, span=span)
        if isinstance(node, ast.If):
            return model.If(self.expr(node.condition, ctx), self.expr(node.then, ctx), self.expr(node.otherwise, ctx), span=span)
        if isinstance(node, ast.Call):
            if node.function not in T.BUILTINS:
                self.report("E237", f"unknown function `{node.function}`", span,
                            suggestions=did_you_mean(node.function, T.BUILTINS))
                return model.Invalid(span=span)
            if T.parameter_kinds(node.function, len(node.args)) is None:
                self.report("E238", f"`{node.function}` takes {T.arity_text(node.function)}, not {len(node.args)}", span)
                return model.Invalid(span=span)
            return model.Call(node.function, tuple(self.expr(a, ctx) for a in node.args), span=span)
        if isinstance(node, ast.AllAnyOf):
            return model.AllAnyOf(node.kind, tuple(self.expr(i, ctx) for i in node.items), span=span)
        if isinstance(node, ast.SetLiteral):
            return model.SetLiteral(tuple(self.expr(i, ctx) for i in node.items), span=span)
        if isinstance(node, (ast.Quantifier, ast.Aggregate)):
            collection = self.expr(node.collection, ctx)
            element_type = self.element_type(collection)
            if element_type is None:
                self.report("E239", "this is not a collection or set to range over", node.collection.span)
                element_type = T.ANY
            variable = model.Var(node.variable, element_type, span=span)
            inner = attrs.evolve(ctx, locals={**ctx.locals, node.variable: variable})
            if isinstance(node, ast.Quantifier):
                return model.Quantifier(node.kind, variable, collection, self.expr(node.condition, inner), span=span)
            return model.Aggregate(
                node.kind, variable, collection,
                self.expr(node.value, inner) if node.value is not None else None,
                self.expr(node.where, inner) if node.where is not None else None,
                span=span,
            )
        raise AssertionError(f"unknown AST node {node!r}")

    def element_type(self, collection) -> T.Type | None:
        kind = infer(collection, self.declarations)
        if kind.kind == "set":
            return kind.element
        if kind == T.ANY:
            return T.ANY
        return None

    def name(self, node: ast.Name, ctx: _Context):
        name, span = node.name, node.span
        if name in ctx.locals:
            return attrs.evolve(ctx.locals[name], span=span)
        if name == "as_of":
            return model.AsOf(span=span)
        owner = ctx.owner
        if owner is not None:
            field = owner.field(name)
            subject = ctx.locals[owner.variable]
            entry = self.value_decls.get(f"{owner.name}.{name}")
            if (field is not None or entry is not None) and (name in self.value_decls or name in self.facts):
                shadowed = (f"the value declared at {self.value_decls[name][0].citation}" if name in self.value_decls
                            else "the fact of the same name")
                self.diagnostics.append(warning(
                    "W230", f"`{name}` here means {owner.name}'s own {'fact' if field is not None else 'value'}, "
                            f"not {shadowed}", span,
                    suggestions=(f"write `{owner.variable}.{name}` to say so, or rename one of them",)))
            if field is not None:
                return model.FieldRef(subject, owner.name, name, field.type, span=span)
            if entry is not None:
                self.visible(entry[0], ctx.file, name, span)
                return model.ValueRef(f"{owner.name}.{name}", subject, self.value_types[f"{owner.name}.{name}"], span=span)
        entry = self.value_decls.get(name)
        if entry is not None:
            self.visible(entry[0], ctx.file, name, span)
            return model.ValueRef(name, None, self.value_types[name], span=span)
        if name in self.facts:
            return model.FactRef(name, self.facts[name].type, span=span)
        entity = next((e for e in self.entities.values() if e.collection == name), None)
        if entity is not None:
            return model.CollectionRef(entity.name, T.set_of(T.Type("entity", entity.name)), span=span)
        if name in self.variants:
            enums = self.variants[name]
            if len(enums) > 1:
                self.report("E234", f"`{name}` is a variant of several enums ({', '.join(e.name for e in enums)})", span,
                            suggestions=tuple(f"write `{e.name}.{name}`" for e in enums))
            return model.Const(name, T.Type("enum", enums[0].name), span=span)
        if name in self.tables:
            return model.TableRows(name, T.set_of(T.Type("row", name)), span=span)
        owners = [d.target.owner for d, _ in self.value_decls.values() if d.target.name == name and d.target.owner]
        if owners:
            entity = self.entities.get(owners[0])
            variable = entity.variable if entity else owners[0].lower()
            self.report("E230", f"`{name}` belongs to each {owners[0]}; it has no single value here", span,
                        suggestions=(f"write `{variable}.{name}` where a {owners[0]} is in scope, e.g. inside "
                                     f"`any {variable} in {entity.collection if entity else '...'} satisfy ...`",))
            return model.Invalid(span=span)
        candidates = list(ctx.locals) + ["as_of"] + [d.target.name for d, _ in self.value_decls.values()] \
            + list(self.facts) + [e.collection for e in self.entities.values()] + list(self.variants)
        if owner is not None:
            candidates += [f.name for f in owner.fields]
        self.report("E230", f"`{name}` is not defined", span, suggestions=did_you_mean(name, candidates))
        return model.Invalid(span=span)

    def member(self, node: ast.MemberAccess, ctx: _Context):
        span = node.span
        if isinstance(node.subject, ast.Name) and node.subject.name in self.enums and node.subject.name not in ctx.locals:
            enum = self.enums[node.subject.name]
            if node.field not in enum.variants:
                self.report("E234", f"enum `{enum.name}` has no variant `{node.field}`", span,
                            suggestions=did_you_mean(node.field, enum.variants))
                return model.Invalid(span=span)
            return model.Const(node.field, T.Type("enum", enum.name), span=span)
        subject = self.expr(node.subject, ctx)
        if isinstance(subject, model.Invalid):
            return subject
        subject_type = infer(subject, self.declarations)
        if subject_type.kind == "entity":
            entity = self.entities[subject_type.name]
            field = entity.field(node.field)
            if field is not None:
                return model.FieldRef(subject, entity.name, node.field, field.type, span=span)
            value_id = f"{entity.name}.{node.field}"
            entry = self.value_decls.get(value_id)
            if entry is not None:
                self.visible(entry[0], ctx.file, node.field, span)
                return model.ValueRef(value_id, subject, self.value_types[value_id], span=span)
            options = [f.name for f in entity.fields] + [d.target.name for d, _ in self.value_decls.values() if d.target.owner == entity.name]
            self.report("E230", f"{entity.name} has no fact or value `{node.field}`", span,
                        suggestions=did_you_mean(node.field, options))
            return model.Invalid(span=span)
        if subject_type.kind == "row":
            table = self.tables[subject_type.name]
            column = table.column(node.field)
            if column is None:
                self.report("E230", f"table `{table.name}` has no column `{node.field}`", span,
                            suggestions=did_you_mean(node.field, [c.name for c in table.columns]))
                return model.Invalid(span=span)
            return model.RowField(subject, table.name, node.field, column.type, span=span)
        if subject_type == T.ANY:
            return model.Invalid(span=span)
        self.report("E235", f"`.{node.field}` reads a field, but this is a {subject_type}", span)
        return model.Invalid(span=span)


def resolve(root: str, files: list[ast.RuleFile], sources: SourceRegistry) -> tuple[model.RuleSet, list[Diagnostic]]:
    """Stage 2: AST files -> RuleSet with every name bound."""
    resolver = _Resolver(root, files, sources)
    ruleset = resolver.run()
    return ruleset, resolver.diagnostics
