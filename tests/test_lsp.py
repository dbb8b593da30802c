"""`rules lsp`, driven through a real LSP client over stdio (tests/lsp_client.py) on RAMSA."""
import os

import pytest

from interpreter.editor.format import format_text
from tests.lsp_client import ROOT, LspClient

S4 = os.path.join(ROOT, "rules", "ramsa", "s4_alliance.rules")
S4_URI = "file://" + S4
S4_TEXT = open(S4, encoding="utf-8").read()
S5 = os.path.join(ROOT, "rules", "ramsa", "s5_duties.rules")


@pytest.fixture(scope="module")
def client():
    client = LspClient()
    capabilities = client.initialize()["capabilities"]
    for provider in ("hoverProvider", "definitionProvider", "referencesProvider", "completionProvider",
                     "documentSymbolProvider", "documentFormattingProvider", "codeActionProvider"):
        assert capabilities.get(provider), provider
    yield client
    client.close()


def _open(client, uri, text, version=1):
    mark = len(client.notifications)
    client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "rules", "version": version,
                                                            "text": text}})
    return client.wait_for("textDocument/publishDiagnostics", lambda p: p["uri"] == uri, after=mark)


def _change(client, uri, text, version):
    mark = len(client.notifications)
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                             "contentChanges": [{"text": text}]})
    return client.wait_for("textDocument/publishDiagnostics", lambda p: p["uri"] == uri, after=mark)


def _position(text, needle, offset=0):
    """The 0-based position of `needle` (plus `offset` characters) in `text`."""
    index = text.index(needle) + offset
    line = text.count("\n", 0, index)
    return {"line": line, "character": index - (text.rfind("\n", 0, index) + 1)}


def test_a_mistake_is_a_diagnostic_with_its_code_at_its_range_and_a_quick_fix(client):
    broken = S4_TEXT.replace("= country.agrees_to_raise_duties", "= country.agrees_to_raise_dutis")
    published = _open(client, S4_URI, broken)
    [diagnostic] = published["diagnostics"]
    assert diagnostic["code"] == "E230" and diagnostic["severity"] == 1
    start = _position(broken, "country.agrees_to_raise_dutis")
    assert diagnostic["range"]["start"] == start
    assert diagnostic["range"]["end"] == {"line": start["line"], "character": start["character"] + 29}
    assert "did you mean `agrees_to_raise_duties`?" in diagnostic["message"]

    actions = client.request("textDocument/codeAction", {
        "textDocument": {"uri": S4_URI}, "range": diagnostic["range"], "context": {"diagnostics": [diagnostic]}})
    fix = actions[0]
    assert fix["title"] == "Change to `agrees_to_raise_duties`" and fix["kind"] == "quickfix"
    [edit] = fix["edit"]["changes"][S4_URI]
    word = _position(broken, "agrees_to_raise_dutis")
    assert edit["range"]["start"] == word and edit["newText"] == "agrees_to_raise_duties"

    fixed = _change(client, S4_URI, S4_TEXT, 2)
    assert fixed["diagnostics"] == []


def test_a_diagnostic_carries_its_related_location(client):
    broken = S4_TEXT.replace("rule comparable_measures_instead:", "rule phase_in_of_duty_increases:")
    published = _open(client, S4_URI, broken, 3)
    [diagnostic] = published["diagnostics"]
    assert diagnostic["code"] == "E216"
    [related] = diagnostic["relatedInformation"]
    assert related["message"] == "first here" and related["location"]["uri"] == S4_URI
    assert related["location"]["range"]["start"]["line"] == _position(broken, "rule phase_in_of_duty_increases")["line"]
    assert _change(client, S4_URI, S4_TEXT, 4)["diagnostics"] == []


def test_hover_on_a_value_shows_its_statute_text_and_citation(client):
    _open(client, S4_URI, S4_TEXT)
    position = _position(S4_TEXT, "addresses_transshipment, maintains", 3)
    hover = client.request("textDocument/hover", {"textDocument": {"uri": S4_URI}, "position": position})
    text = hover["contents"]["value"]
    assert "**value** `Country.addresses_transshipment`: boolean" in text
    assert "**RAMSA §4(b)(5)(A)**" in text
    assert "> to address the potential illicit shipment of critical minerals and derivative products" in text
    assert hover["range"]["start"] == _position(S4_TEXT, "addresses_transshipment, maintains")


def test_hover_on_a_table_shows_its_source_and_on_a_variant_its_description(client):
    position = _position(S4_TEXT, "entry in critical_minerals where", 10)
    text = client.request("textDocument/hover", {"textDocument": {"uri": S4_URI}, "position": position})["contents"]["value"]
    assert "**table** `critical_minerals`" in text and "source: `data/critical_minerals.csv`" in text
    position = _position(S4_TEXT, "= line.treatment = alliance_duty_free", 22)
    text = client.request("textDocument/hover", {"textDocument": {"uri": S4_URI}, "position": position})["contents"]["value"]
    assert "**variant** `alliance_duty_free` of enum `Treatment`" in text and "(§4(g))" in text


def test_hover_on_a_heading_label_shows_the_provision(client):
    position = _position(S4_TEXT, 'subsection (g) "DUTY-FREE', 12)
    text = client.request("textDocument/hover", {"textDocument": {"uri": S4_URI}, "position": position})["contents"]["value"]
    assert text.startswith("**subsection** **RAMSA §4(g)** — DUTY-FREE TREATMENT AFTER ENTRY INTO FORCE")
    assert "> Upon the entry into force of an agreement" in text


def test_positions_count_utf16_units_after_a_character_outside_the_bmp(client):
    text = S4_TEXT.replace('"U.S. capacity was reviewed"', '"\U0001F642 U.S. capacity was reviewed"')
    _open(client, S4_URI, text, 5)
    position = _position(text, "review.capacity_reviewed", 8)
    position["character"] += 1  # the emoji is one character but two UTF-16 code units
    hover = client.request("textDocument/hover", {"textDocument": {"uri": S4_URI}, "position": position})
    assert "`Review.capacity_reviewed`" in hover["contents"]["value"]
    start = _position(text, "capacity_reviewed\n")
    assert hover["range"]["start"] == {"line": start["line"], "character": start["character"] + 1}
    _open(client, S4_URI, S4_TEXT, 6)


def test_definition_of_an_exception_to_target_is_its_rule(client):
    position = _position(S4_TEXT, "exception to meets_duty_rate_criterion", 15)
    location = client.request("textDocument/definition", {"textDocument": {"uri": S4_URI}, "position": position})
    assert location["uri"] == S4_URI
    assert location["range"]["start"] == _position(S4_TEXT, "meets_duty_rate_criterion: boolean")


def test_references_of_an_entity_field_span_the_rule_set(client):
    position = _position(S4_TEXT, "country.agrees_to_raise_duties", 10)
    found = client.request("textDocument/references", {"textDocument": {"uri": S4_URI}, "position": position,
                                                        "context": {"includeDeclaration": True}})
    files = {os.path.basename(location["uri"]) for location in found}
    assert files == {"act.rules", "s4_alliance.rules"} and len(found) >= 2


def test_completion_after_line_dot_lists_the_import_line_fields(client):
    position = _position(S4_TEXT, "= line.treatment = alliance_duty_free", 7)
    result = client.request("textDocument/completion", {"textDocument": {"uri": S4_URI}, "position": position})
    labels = {item["label"] for item in result["items"]}
    assert {"id", "hts", "form", "mineral", "origin_country", "entry_date", "customs_value"} <= labels
    assert "treatment" in labels  # a value of ImportLine
    assert "agrees_to_raise_duties" not in labels  # a Country field
    fields = {item["label"]: item for item in result["items"]}
    assert fields["customs_value"]["detail"] == "fact money"


def test_completion_of_a_bound_row_lists_the_table_columns(client):
    position = _position(S4_TEXT, "{entry.mineral for entry in critical_minerals", 7)
    result = client.request("textDocument/completion", {"textDocument": {"uri": S4_URI}, "position": position})
    assert {item["label"] for item in result["items"]} == {"mineral", "listed_from", "listed_until", "list", "source"}


def test_definition_of_a_use_import_is_the_value_in_its_section(client):
    position = _position(S4_TEXT, "use treatment from section 5", 5)
    location = client.request("textDocument/definition", {"textDocument": {"uri": S4_URI}, "position": position})
    s5 = open(S5, encoding="utf-8").read()
    assert location["uri"] == "file://" + S5
    assert location["range"]["start"] == _position(s5, "treatment: Treatment")


def test_completion_elsewhere_offers_names_variants_and_keywords(client):
    position = _position(S4_TEXT, "= all of (addresses_transshipment", 2)
    result = client.request("textDocument/completion", {"textDocument": {"uri": S4_URI}, "position": position})
    labels = {item["label"] for item in result["items"]}
    assert {"eligible_for_alliance", "critical_minerals", "alliance_duty_free", "percent_of", "when"} <= labels


def test_document_symbols_are_the_bills_outline(client):
    symbols = client.request("textDocument/documentSymbol", {"textDocument": {"uri": S4_URI}})
    [section] = symbols
    assert section["name"] == "§4 CRITICAL MINERALS SECURITY ALLIANCE" and section["detail"] == "RAMSA §4"
    subsections = [s["name"] for s in section["children"]]
    assert subsections[:3] == ["(a) AUTHORIZATION FOR NEGOTIATIONS", "(b) ELIGIBILITY CRITERIA",
                               "(c) ENGAGEMENT; IMPLEMENTATION"]
    b = section["children"][1]
    assert [c["name"] for c in b["children"]][:2] == ["Country.eligible_for_alliance", "(1)"]
    paragraph_5 = next(c for c in b["children"] if c["name"] == "(5)")
    assert [c["detail"] for c in paragraph_5["children"] if c["name"].startswith("(")] == \
        ["RAMSA §4(b)(5)(A)", "RAMSA §4(b)(5)(B)", "RAMSA §4(b)(5)(C)"]


def test_formatting_gives_what_rules_fmt_gives(client):
    uri = "file://" + S5
    shipped = open(S5, encoding="utf-8").read()
    messy = shipped.replace("  rule ", "  rule   ").replace(": ImportLine.treatment", " :ImportLine.treatment")
    assert messy != shipped
    _open(client, uri, messy)
    [edit] = client.request("textDocument/formatting", {"textDocument": {"uri": uri},
                                                        "options": {"tabSize": 2, "insertSpaces": True}})
    lines = messy.split("\n")
    assert edit["range"] == {"start": {"line": 0, "character": 0},
                             "end": {"line": len(lines) - 1, "character": len(lines[-1])}}
    assert edit["newText"] == format_text(messy).text == shipped
