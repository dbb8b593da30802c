"""A pager for long text output on a terminal, as git does: `$PAGER` (default `less`, with LESS=FRX).

input <- the console the command prints to and whether paging is wanted; output -> the same text,
sent through the pager when the console is a terminal and the text is taller than it. Piped or
redirected output, `--no-pager`, or an empty PAGER never page. A pager that cannot be started
is skipped: the text is printed as usual.
"""
from __future__ import annotations

import contextlib
import os

from rich.console import Console


@contextlib.contextmanager
def paged(console: Console, enabled: bool = True):
    command = os.environ.get("RULES_PAGER", os.environ.get("PAGER", "less"))
    if not enabled or not console.is_terminal or not command.strip():
        yield
        return
    with console.capture() as capture:
        yield
    text = capture.get()
    if text.count("\n") < console.height:
        console.file.write(text)
        return
    import shlex
    import subprocess  # only when paging: ~3 ms of every start-up otherwise

    environment = dict(os.environ)
    environment.setdefault("LESS", "FRX")  # quit if one screen, keep colours, leave the screen as it is
    try:
        process = subprocess.Popen(shlex.split(command), stdin=subprocess.PIPE, env=environment)
    except (OSError, ValueError):
        console.file.write(text)
        return
    with contextlib.suppress(BrokenPipeError):  # the reader quit the pager early
        process.communicate(text.encode("utf-8", "replace"))
