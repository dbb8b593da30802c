"""Language server: LSP requests over stdio -> answers from `workspace.Workspace` (pygls).

Each handler only converts between protocol types and the workspace's plain values
(1-based spans, Markdown, lists): diagnostics on open and on every change (for every file
of the rule set), hover, definition, references, completion, document symbols (the bill's
outline), formatting (exactly `rules fmt`) and quick fixes for "did you mean" suggestions.
"""
from __future__ import annotations

import os
from urllib.parse import unquote, urlparse

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from interpreter.editor.workspace import Workspace

_SYMBOL_KINDS = {
    "provision": types.SymbolKind.Namespace, "value": types.SymbolKind.Variable, "rule": types.SymbolKind.Function,
    "enum": types.SymbolKind.Enum, "variant": types.SymbolKind.EnumMember, "entity": types.SymbolKind.Class,
    "field": types.SymbolKind.Field, "fact": types.SymbolKind.Constant, "table": types.SymbolKind.Struct,
    "column": types.SymbolKind.Field,
}
_COMPLETION_KINDS = {
    "value": types.CompletionItemKind.Variable, "field": types.CompletionItemKind.Field,
    "variant": types.CompletionItemKind.EnumMember, "enum": types.CompletionItemKind.Enum,
    "entity": types.CompletionItemKind.Class, "table": types.CompletionItemKind.Struct,
    "column": types.CompletionItemKind.Field, "fact": types.CompletionItemKind.Constant,
    "function": types.CompletionItemKind.Function, "keyword": types.CompletionItemKind.Keyword,
    "variable": types.CompletionItemKind.Variable,
}


def path_of(uri: str) -> str:
    return os.path.abspath(unquote(urlparse(uri).path))


def uri_of(path: str) -> str:
    return "file://" + os.path.abspath(path)


def build_server() -> LanguageServer:
    server = LanguageServer("rules", "0.1.0")
    workspace = Workspace()

    # Spans count characters (code points); the client counts in its position encoding
    # (UTF-16 unless it asked otherwise): convert with the text of the file concerned.
    def lines_of(path: str) -> list[str]:
        return workspace.text(path).split("\n")

    def to_range(span) -> types.Range:
        plain = types.Range(types.Position(max(span.line - 1, 0), max(span.column - 1, 0)),
                            types.Position(max(span.end_line - 1, 0), max(span.end_column - 1, 0)))
        return server.workspace.position_codec.range_to_client_units(lines_of(span.file), plain)

    def to_location(span) -> types.Location:
        return types.Location(uri_of(span.file), to_range(span))

    def to_diagnostic(diagnostic) -> types.Diagnostic:
        span = diagnostic.span
        message = diagnostic.message + "".join(f"\nhelp: {s}" for s in diagnostic.suggestions)
        return types.Diagnostic(
            range=to_range(span) if span else types.Range(types.Position(0, 0), types.Position(0, 1)),
            message=message,
            severity=types.DiagnosticSeverity.Error if diagnostic.is_error else types.DiagnosticSeverity.Warning,
            code=diagnostic.code,
            source="rules",
            related_information=[types.DiagnosticRelatedInformation(to_location(r.span), r.message)
                                 for r in diagnostic.related] or None,
        )

    def at(params) -> tuple[str, int, int]:
        """The file and the 1-based line and column (in characters) of a request's position."""
        path = path_of(params.text_document.uri)
        position = server.workspace.position_codec.position_from_client_units(lines_of(path), params.position)
        return path, position.line + 1, position.character + 1

    def publish(uri: str) -> None:
        if not uri.startswith("file:"):
            return  # an unsaved buffer belongs to no rule set on disk
        for path, diagnostics in workspace.diagnostics(path_of(uri)).items():
            server.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=uri_of(path), diagnostics=[to_diagnostic(d) for d in diagnostics]))

    def refresh(uri: str) -> None:
        if not uri.startswith("file:"):
            return
        workspace.open(path_of(uri), server.workspace.get_text_document(uri).source)
        publish(uri)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(params: types.DidOpenTextDocumentParams) -> None:
        refresh(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(params: types.DidChangeTextDocumentParams) -> None:
        refresh(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(params: types.DidSaveTextDocumentParams) -> None:
        refresh(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(params: types.DidCloseTextDocumentParams) -> None:
        workspace.close(path_of(params.text_document.uri))

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(params: types.HoverParams) -> types.Hover | None:
        found = workspace.symbol_at(*at(params))
        if found is None:
            return None
        span, symbol = found
        return types.Hover(types.MarkupContent(types.MarkupKind.Markdown, symbol.hover), to_range(span))

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    def definition(params: types.DefinitionParams) -> types.Location | None:
        found = workspace.symbol_at(*at(params))
        if found is None or found[1].span is None:
            return None
        return to_location(found[1].span)

    @server.feature(types.TEXT_DOCUMENT_REFERENCES)
    def references(params: types.ReferenceParams) -> list[types.Location]:
        spans = workspace.references(*at(params))
        return [to_location(s) for s in spans]

    @server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=["."]))
    def completion(params: types.CompletionParams) -> types.CompletionList:
        found = workspace.completions(*at(params))
        items = [types.CompletionItem(
            label=c.label, kind=_COMPLETION_KINDS.get(c.kind), detail=c.detail or None,
            documentation=types.MarkupContent(types.MarkupKind.Markdown, c.documentation) if c.documentation else None,
        ) for c in found]
        return types.CompletionList(is_incomplete=False, items=items)

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def document_symbol(params: types.DocumentSymbolParams) -> list[types.DocumentSymbol]:
        def convert(node) -> types.DocumentSymbol:
            return types.DocumentSymbol(
                name=node.name, detail=node.detail, kind=_SYMBOL_KINDS[node.kind], range=to_range(node.span),
                selection_range=to_range(node.selection), children=[convert(c) for c in node.children])
        return [convert(node) for node in workspace.outline(path_of(params.text_document.uri))]

    @server.feature(types.TEXT_DOCUMENT_FORMATTING)
    def formatting(params: types.DocumentFormattingParams) -> list[types.TextEdit]:
        path = path_of(params.text_document.uri)
        text = workspace.texts.get(path)
        formatted = workspace.formatted(path)
        if formatted is None or formatted == text:
            return []
        lines = text.split("\n")
        whole = server.workspace.position_codec.range_to_client_units(
            lines, types.Range(types.Position(0, 0), types.Position(len(lines) - 1, len(lines[-1]))))
        return [types.TextEdit(whole, formatted)]

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]))
    def code_action(params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        actions = []
        for fix in workspace.quick_fixes(path_of(uri), params.range.start.line + 1):  # lines need no conversion
            actions.append(types.CodeAction(
                title=fix.title, kind=types.CodeActionKind.QuickFix, diagnostics=[to_diagnostic(fix.diagnostic)],
                edit=types.WorkspaceEdit(changes={uri: [types.TextEdit(to_range(fix.span), fix.replacement)]})))
        return actions

    return server


def serve_stdio() -> None:
    build_server().start_io()
