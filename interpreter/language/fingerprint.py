"""Fingerprint: a loaded rule set -> the sha256 content hash of everything that decides its answers.

input: a `Loaded` rule set (its root, rule files and tables) and the bill text kept in
RULESET/bill/*.txt. output: `sha256:<64 hex>`. Guarantees: the hash covers the bytes of
every rule file, every reference table and the bill text, each named by its path relative
to the rule set's directory with `/` separators and sorted by that name, so it is the same
on every machine, in every working directory and whatever order the file system lists
files in; CRLF line endings count as LF (a Windows checkout hashes like a Unix one).
Anything else (examples, scenario tests, docs) does not change it.
"""
from __future__ import annotations

import hashlib
import os

from interpreter.language.pipeline import Loaded, rule_files


def ruleset_directory(root: str) -> str:
    return root if os.path.isdir(root) else os.path.dirname(root) or "."


def content_files(loaded: Loaded) -> list[str]:
    """The files whose bytes the content hash covers (rule files, tables, bill text)."""
    directory = ruleset_directory(loaded.root)
    files = list(rule_files(loaded.root))
    if loaded.ruleset is not None:
        files.extend(table.path for table in loaded.ruleset.tables.values())
    bill = os.path.join(directory, "bill")
    if os.path.isdir(bill):
        files.extend(os.path.join(bill, name) for name in os.listdir(bill) if name.endswith(".txt"))
    return files


def content_hash(loaded: Loaded) -> str:
    """`sha256:<hex>` over the canonical bytes of the rule set's content files."""
    directory = os.path.abspath(ruleset_directory(loaded.root))
    named = {}
    for path in content_files(loaded):
        name = os.path.relpath(os.path.abspath(path), directory).replace(os.sep, "/")
        named[name] = path
    digest = hashlib.sha256()
    for name in sorted(named):
        with open(named[name], "rb") as handle:
            content = handle.read().replace(b"\r\n", b"\n")
        digest.update(f"{name}\n{len(content)}\n".encode())
        digest.update(content)
    return "sha256:" + digest.hexdigest()
