"""A click group whose subcommands are imported when used: `rules eval` never imports `rules batch`.

input <- command name -> "module:attribute" of its click command; output -> a click group that lists
every command (names, and the summaries `rules --help` shows, which import the listed modules) but
imports a command's module only when that command is run, completed or shown. A command's help
is prepared by `prepare` once, when it is first imported, exactly as for commands added eagerly.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable

import click


class LazyGroup(click.Group):
    def __init__(self, *args, lazy_commands: dict[str, str] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands or {})
        self.prepare: Callable[[str, click.Command], None] = lambda name, command: None

    def list_commands(self, ctx: click.Context | None) -> list[str]:
        return sorted({*self.commands, *self.lazy_commands})

    def get_command(self, ctx: click.Context | None, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy_commands:
            module, _, attribute = self.lazy_commands[cmd_name].partition(":")
            command = getattr(importlib.import_module(module), attribute)
            self.prepare(cmd_name, command)
            self.commands[cmd_name] = command
        return self.commands.get(cmd_name)
