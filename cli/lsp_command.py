"""`rules lsp`: start the language server on standard input/output (for editors, not people).

All of it is in `interpreter.editor`; this module only registers the command. Exit codes:
    0  the editor closed the connection (shutdown and exit)
   70  internal error
"""
from __future__ import annotations

import click


@click.command(name="lsp")
def lsp() -> None:
    """Run the language server over stdio: diagnostics, hover, definitions, completion, outline, formatting."""
    from interpreter import editor  # imported when used: the parser is not needed to start `rules`

    editor.serve_language_server()
