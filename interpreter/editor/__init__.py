"""Editor support: the formatter (`rules fmt`), the language server (`rules lsp`) and the lexer.

This package sits above `interpreter.api`: it reads rule sets only through the api and the
language layer. The CLI calls this façade, never the modules inside it.
"""
from interpreter.editor.files import FileFormat, format_file, rule_files_under, sources_of  # noqa: F401
from interpreter.editor.format import FormatError, Formatted, format_text  # noqa: F401


def serve_language_server() -> None:
    """`rules lsp`: the language server on standard input and output (pygls is imported only here)."""
    from interpreter.editor.server import serve_stdio

    serve_stdio()
