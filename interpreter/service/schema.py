"""Fact schema: a loaded rule set -> the JSON Schema (draft 2020-12) of its fact files.

Guarantees: the schema accepts what the fact loader accepts and describes it in the rule
files' own words: every global fact and `as_of`, every collection with its fields, money as
a number or a string such as "$1,250.00", rates as "25%", dates as `format: date`, enums
with each variant's description, sets as arrays; null is allowed wherever the loader reads
it as "unknown". Unknown keys are refused, as the loader refuses them. The value patterns
are the loader's own regular expressions, so the two cannot drift apart.
`fact_path` turns a validation error's location into the loader's fact path
(`imports[3].entry_date`), so both name the same place.
"""
from __future__ import annotations

from interpreter.language import ast, scalars
from interpreter.language import types as T

DIALECT = "https://json-schema.org/draft/2020-12/schema"
NULL = {"type": "null"}

_BOOLEAN_TEXT = r"^\s*([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])\s*$"
_INTEGER_TEXT = r"^\s*-?[0-9]+\s*$"
_DECIMAL_TEXT = r"^\s*[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?\s*$"


def _scalar(kind: T.Type, ruleset) -> dict:
    name = kind.kind
    if name == "boolean":
        return {"anyOf": [{"type": "boolean"}, {"type": "string", "pattern": _BOOLEAN_TEXT}]}
    if name == "integer":
        return {"anyOf": [{"type": "integer"}, {"type": "string", "pattern": _INTEGER_TEXT}]}
    if name == "decimal":
        return {"anyOf": [{"type": "number"}, {"type": "string", "pattern": _DECIMAL_TEXT}]}
    if name == "money":
        return {"anyOf": [{"type": "number"}, {"type": "string", "pattern": scalars.MONEY_PATTERN}],
                "examples": ["$1,250.00", 1250.0]}
    if name == "rate":
        return {"type": "string", "pattern": scalars._PERCENT.pattern, "examples": ["25%"]}
    if name == "date":
        return {"type": "string", "format": "date"}
    if name == "duration":
        return {"type": "string", "pattern": scalars._DURATION.pattern, "examples": ["90 days", "5 years"]}
    if name == "text":
        return {"type": ["string", "number"]}
    if name == "enum":
        return {"$ref": f"#/$defs/{kind.name}"}
    if name == "entity":
        entity = ruleset.entities.get(kind.name)
        where = f" in `{entity.collection}`" if entity else ""
        return {"type": "string", "description": f"the key of a {kind.name}{where}"}
    return {}


def _property(kind: T.Type, description: str | None, ruleset) -> dict:
    """A fact or field: its type, or null (unknown), with the rule file's description.

    Null sits beside each scalar, never around an array or object, so that a validator
    reports a bad set item or record field at its own path, not at the enclosing `anyOf`."""
    if kind.kind == "set":
        schema: dict = {"type": ["array", "null"], "items": {"anyOf": [_scalar(kind.element, ruleset), NULL]}}
    else:
        scalar = _scalar(kind, ruleset)
        schema = {**scalar, "anyOf": scalar["anyOf"] + [NULL]} if "anyOf" in scalar else {"anyOf": [scalar, NULL]}
    if description:
        schema["description"] = description
    schema["x-rules-type"] = str(kind)
    return schema


def _enum_definitions(ruleset) -> dict:
    declared = {decl.name: decl for file in ruleset.files for decl in file.enums}
    definitions = {}
    for name, enum in ruleset.enums.items():
        decl: ast.EnumDecl | None = declared.get(name)
        described = {v.name: v.description for v in decl.variants} if decl else {}
        definition = {"type": "string", "enum": list(enum.variants)}
        if enum.description:
            definition["description"] = enum.description
        definition["oneOf"] = [{"const": variant, **({"description": described[variant]} if described.get(variant) else {})}
                               for variant in enum.variants]
        definitions[name] = definition
    return definitions


def _entity_definition(entity, ruleset) -> dict:
    definition = {
        "type": "object",
        "properties": {f.name: _property(f.type, f.description, ruleset) for f in entity.fields},
        "additionalProperties": False,
        "x-rules-key": entity.key,
    }
    if entity.description:
        definition["description"] = entity.description
    return definition


def fact_schema(ruleset) -> dict:
    """The JSON Schema of a fact file for `ruleset` (a model.RuleSet)."""
    properties = {"as_of": {"anyOf": [{"type": "string", "format": "date"}, NULL],
                            "description": "the date the decisions are made as of (YYYY-MM-DD); "
                                           "`--as-of` or the request's `as_of` overrides it"}}
    for name, fact in ruleset.facts.items():
        properties[name] = _property(fact.type, fact.description, ruleset)
    definitions = _enum_definitions(ruleset)
    for entity in ruleset.entities.values():
        definitions[entity.name] = _entity_definition(entity, ruleset)
        collection = {"type": ["array", "null"], "items": {"$ref": f"#/$defs/{entity.name}"},
                      "description": f"the {entity.name} records, each keyed by `{entity.key}`"
                                     + (f": {entity.description}" if entity.description else "")}
        properties[entity.collection] = collection
    supplied = _supplied_rows(ruleset)
    if supplied:
        properties["tables"] = supplied
    return {
        "$schema": DIALECT,
        "$id": f"urn:legal-rules:{ruleset.act.lower()}:facts",
        "title": f"{ruleset.title}: fact file",
        "description": f"The facts `rules eval` reads for {ruleset.act} (YAML or JSON). A fact that is absent "
                       "or null is unknown: the decisions that need it are `undetermined`.",
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
        "$defs": dict(sorted(definitions.items())),
    }


def _supplied_rows(ruleset) -> dict | None:
    """`tables:`: rows a partial table lacks, each with its key, its source and the declared columns."""
    tables = {}
    for table in ruleset.tables.values():
        if table.complete:
            continue
        source = table.source_column or "source"
        columns = {c.name: _property(c.type, None, ruleset) for c in table.columns}
        columns.update({source: _property(T.TEXT, "where the value comes from (cited in explanations)", ruleset),
                        "valid_from": _property(T.DATE, "the first day the row holds", ruleset),
                        "valid_through": _property(T.DATE, "the last day the row holds", ruleset)})
        required = [table.key, source] + ([table.dated_from] if table.dated_from else [])
        tables[table.name] = {"type": "array", "items": {"type": "object", "properties": columns,
                                                         "required": required, "additionalProperties": False},
                              "description": f"rows the partial table `{table.name}` lacks"}
    if not tables:
        return None
    return {"type": "object", "properties": tables, "additionalProperties": False,
            "description": "rows partial reference tables lack, each with its source; used only where the table "
                           "has no row of its own"}


def fact_path(error) -> list[str]:
    """A jsonschema ValidationError -> the loader's fact path(s) for it (`imports[3].entry_date`).

    An unknown key is reported by JSON Schema at the object that holds it; the loader
    names the key itself, so each unexpected key becomes a path of its own."""
    base = _path_text(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = error.schema.get("properties", {})
        return [_join(base, str(key)) for key in error.instance if key not in known]
    return [base or "<top>"]


def _join(base: str, name: str) -> str:
    return f"{base}.{name}" if base else name


def _path_text(parts) -> str:
    text = ""
    for part in parts:
        text = f"{text}[{part}]" if isinstance(part, int) else _join(text, str(part))
    return text
