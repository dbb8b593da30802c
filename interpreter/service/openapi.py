"""OpenAPI: the served rule sets -> the OpenAPI 3.1 description of `rules serve` (GET /openapi.json).

Guarantees: it lists every endpoint the server answers, with its status codes; each act's
fact schema (the same document as GET /v1/rulesets/{act}/schema, JSON Schema 2020-12, which
OpenAPI 3.1 takes as it is) is a component, so a client generator sees the real fields.
"""
from __future__ import annotations

DIAGNOSTICS = {"description": "a diagnostics document (as `rules ... --format json` prints for bad input)",
               "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Diagnostics"}}}}


def _json_response(description: str, schema: dict | None = None) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema or {"type": "object"}}}}


def openapi_document(summaries: dict, schemas: dict, admin: bool) -> dict:
    acts = sorted(summaries)
    act_parameter = {"name": "act", "in": "path", "required": True, "description": "the act, lower case",
                     "schema": {"type": "string", "enum": acts}}
    facts_schema = {"oneOf": [{"$ref": f"#/components/schemas/{summaries[k]['act']}Facts"} for k in acts]} if acts else {}
    errors = {"404": DIAGNOSTICS, "413": DIAGNOSTICS, "422": DIAGNOSTICS, "503": DIAGNOSTICS}
    paths = {
        "/v1/rulesets": {"get": {"summary": "the loaded rule sets: act, title, content hash, decisions offered",
                                 "responses": {"200": _json_response("the rule sets")}}},
        "/v1/rulesets/{act}/schema": {"get": {
            "summary": "the JSON Schema (draft 2020-12) of the act's fact files",
            "parameters": [act_parameter],
            "responses": {"200": _json_response("a JSON Schema"), "404": DIAGNOSTICS}}},
        "/v1/rulesets/{act}/evaluate": {"post": {
            "summary": "every decision on a fact document: the body `rules eval --format json` prints",
            "parameters": [act_parameter,
                           {"name": "as_of", "in": "query", "required": False, "schema": {"type": "string", "format": "date"},
                            "description": "decide as of this date; overrides the document's `as_of`"},
                           {"name": "explain", "in": "query", "required": False, "schema": {"type": "boolean"},
                            "description": "include every decision's explanation, as `rules eval --explain`"}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": facts_schema}}},
            "responses": {"200": _json_response("the evaluation (docs/output.md)"), **errors}}},
        "/v1/rulesets/{act}/decide": {"post": {
            "summary": "one decision, its decision record and, if asked, its explanation",
            "parameters": [act_parameter],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["target"], "additionalProperties": False,
                "properties": {"facts": facts_schema,
                               "target": {"type": "string", "examples": ["imports[L05].treatment"]},
                               "explain": {"type": "boolean", "default": False},
                               "as_of": {"type": ["string", "null"], "format": "date"}}}}}},
            "responses": {"200": _json_response("{decision, record, explanation}"), **errors}}},
        "/openapi.json": {"get": {"summary": "this document", "responses": {"200": _json_response("OpenAPI 3.1")}}},
        "/healthz": {"get": {"summary": "status, rule-set hashes, busy workers, time-outs and the decision log",
                             "responses": {"200": _json_response("health")}}},
    }
    if admin:
        paths["/v1/admin/reload"] = {"post": {
            "summary": "load every rule set again and swap them in atomically (SIGHUP does the same)",
            "responses": {"200": _json_response("the rule sets now served"), "422": DIAGNOSTICS}}}
    components = {f"{summaries[k]['act']}Facts": {k2: v for k2, v in schemas[k].items() if k2 != "$schema"}
                  for k in acts}
    components["Diagnostics"] = {"type": "object", "required": ["diagnostics", "errors", "warnings"],
                                 "properties": {"diagnostics": {"type": "array"}, "errors": {"type": "integer"},
                                                "warnings": {"type": "integer"}, "output_version": {"type": "integer"}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "rules serve", "version": "1",
                 "description": "Cited, explained decisions from fact documents; see docs/serve.md."},
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "paths": paths,
        "components": {"schemas": components},
    }
