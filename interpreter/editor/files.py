"""Files to format: paths given on the command line -> rule files, formatted in memory.

Guarantees: a directory stands for every `.rules` file under it (hidden directories aside),
in sorted order; nothing is written unless asked (`write`), and a file is written only when
its formatted text differs and was checked to mean the same (see `format.format_text`).
"""
from __future__ import annotations

import difflib
import os

import attrs

from interpreter.language.diagnostics import Diagnostic, error
from interpreter.editor.format import format_text
from interpreter.language.source import SourceRegistry

RULE_SUFFIX = ".rules"


@attrs.frozen
class FileFormat:
    path: str
    original: str
    formatted: str
    diagnostics: tuple[Diagnostic, ...] = ()

    @property
    def changed(self) -> bool:
        return not self.diagnostics and self.formatted != self.original

    def diff(self) -> str:
        return "".join(difflib.unified_diff(
            self.original.splitlines(keepends=True), self.formatted.splitlines(keepends=True),
            fromfile=f"{self.path} (original)", tofile=f"{self.path} (formatted)"))

    def write(self) -> None:
        if self.changed:
            with open(self.path, "w", encoding="utf-8", newline="") as handle:
                handle.write(self.formatted)


def rule_files_under(paths: list[str]) -> tuple[list[str], list[Diagnostic]]:
    found: list[str] = []
    problems: list[Diagnostic] = []
    for path in paths:
        if os.path.isfile(path):
            found.append(path)
        elif os.path.isdir(path):
            for directory, subdirectories, files in os.walk(path):
                subdirectories[:] = sorted(d for d in subdirectories if not d.startswith("."))
                found.extend(os.path.join(directory, f) for f in sorted(files) if f.endswith(RULE_SUFFIX))
        else:
            problems.append(error("E001", f"no file or directory at {path}"))
    return list(dict.fromkeys(found)), problems


def format_file(path: str) -> FileFormat:
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            text = handle.read()
    except UnicodeDecodeError as exc:
        return FileFormat(path, "", "", (error("E003", f"{path} is not UTF-8 text ({exc.reason})"),))
    result = format_text(text, path)
    return FileFormat(path, text, result.text, result.diagnostics)


def sources_of(results: list[FileFormat]) -> SourceRegistry:
    """The texts read, so syntax diagnostics can quote the line they point at."""
    registry = SourceRegistry()
    for result in results:
        registry.add(result.path, result.original)
    return registry
