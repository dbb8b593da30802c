"""Load cache: a rule-set directory -> the checked `Loaded` rule set, from the user's cache when nothing changed.

input: the rule set's root (as `pipeline.load` takes it). output: what `pipeline.load(root)` returns.
Guarantees:
- the same result as loading afresh: an entry is used only if its key matches, and the key is
  the sha256 of the bytes of every rule file (with its shown and real path), the working
  directory (shown paths are relative to it), the root, the Python version and the source of
  the loader itself (every `interpreter/language/*.py` and the grammar); the tables the rule set
  reads are re-hashed and compared on every use. Any change to any of these is a miss;
- only successful loads are stored, one entry per rule-set location (a newer load replaces it);
- safe: entries are pickles written only by this module, atomically, mode 0600, in a directory
  of mode 0700; an entry is read only if it and its directory belong to the current user and
  nobody else can write them, so no pickle written by someone else is ever loaded. A broken or
  unreadable entry, or a cache directory that cannot be written, just means loading afresh;
- where: `RULES_CACHE_DIR` if set (`off` turns the cache off), else `$XDG_CACHE_HOME/rules`,
  else `~/.cache/rules`.
"""
from __future__ import annotations

import gc
import glob
import hashlib
import os
import pickle
import stat
import sys
import tempfile

from interpreter.language import pipeline

FORMAT = b"rules-load-cache 1\n"
_HERE = os.path.dirname(os.path.abspath(__file__))
_GRAMMAR = os.path.join(os.path.dirname(os.path.dirname(_HERE)), "grammar", "rules.lark")
_code_digest: bytes | None = None


def cache_directory() -> str | None:
    """Where entries live, or None when the cache is turned off."""
    chosen = os.environ.get("RULES_CACHE_DIR")
    if chosen is not None:
        return None if chosen.strip().lower() in ("", "off", "0", "none") else chosen
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "rules")


def _loader_digest() -> bytes:
    """The source of the loader: a new version of the interpreter never reads an older entry."""
    global _code_digest
    if _code_digest is None:
        digest = hashlib.sha256(FORMAT + sys.version.encode())
        for path in sorted(glob.glob(os.path.join(_HERE, "*.py"))) + [_GRAMMAR]:
            if os.path.exists(path):
                with open(path, "rb") as handle:
                    digest.update(os.path.basename(path).encode() + b"\0" + handle.read())
        _code_digest = digest.digest()
    return _code_digest


def _file_digest(path: str) -> str:
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def _keys(root: str) -> tuple[str, str] | None:
    """(the entry's file name, the content key), or None when the rule files cannot be read."""
    where = hashlib.sha256(f"{root}\0{os.path.abspath(root)}\0{os.getcwd()}".encode()).hexdigest()
    digest = hashlib.sha256(_loader_digest() + where.encode())
    home, total = pipeline.rule_set_directory(root), 0
    try:
        for path in pipeline.rule_files(root):
            # A file the loader refuses unread (outside the rule set, not a regular file, too large)
            # is not read here either: no key, and pipeline.load reports it.
            total += os.path.getsize(path) if os.path.isfile(path) else pipeline.MAX_RULESET_BYTES + 1
            if not pipeline.inside(path, home) or total > pipeline.MAX_RULESET_BYTES:
                return None
            digest.update(f"\0{os.path.relpath(path)}\0{os.path.realpath(path)}\0".encode())
            with open(path, "rb") as handle:
                digest.update(handle.read())
    except OSError:
        return None
    return where[:32] + ".pickle", digest.hexdigest()


def _tables(loaded: pipeline.Loaded) -> list[tuple[str, str, str]]:
    return [(t.path, os.path.realpath(t.path), _file_digest(t.path)) for t in loaded.ruleset.tables.values()]


def _private(info: os.stat_result) -> bool:
    return info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _unpickle(payload: bytes):
    # Some 20,000 objects, none in a cycle the collector must find now: collecting while they are
    # made would only walk them again and again (the collector runs as before afterwards).
    enabled = gc.isenabled()
    gc.disable()
    try:
        return pickle.loads(payload)
    finally:
        if enabled:
            gc.enable()


def _read(directory: str, name: str, key: str) -> pipeline.Loaded | None:
    path = os.path.join(directory, name)
    try:
        if not _private(os.lstat(directory)) or not stat.S_ISDIR(os.lstat(directory).st_mode):
            return None
        info = os.lstat(path)
        if not stat.S_ISREG(info.st_mode) or not _private(info):
            return None
        with open(path, "rb") as handle:
            header = handle.readline() + handle.readline()
            if header != FORMAT + key.encode() + b"\n":
                return None
            tables, loaded = _unpickle(handle.read())
        for table_path, real, digest in tables:
            if os.path.realpath(table_path) != real or _file_digest(table_path) != digest:
                return None
        return loaded
    except Exception:  # a broken entry is a miss, never a failure: load afresh
        return None


def _write(directory: str, name: str, key: str, loaded: pipeline.Loaded) -> None:
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        if not _private(os.lstat(directory)):
            return
        payload = pickle.dumps((_tables(loaded), loaded), protocol=pickle.HIGHEST_PROTOCOL)
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=".entry-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(FORMAT + key.encode() + b"\n" + payload)
            os.chmod(temporary, 0o600)
            os.replace(temporary, os.path.join(directory, name))
        except BaseException:
            os.unlink(temporary)
            raise
    except Exception:  # a cache that cannot be written only costs time
        return


def load(root: str) -> pipeline.Loaded:
    """`pipeline.load(root)`, from the cache when an entry for exactly these files exists."""
    directory = cache_directory()
    keys = _keys(root) if directory is not None and os.path.exists(root) else None
    if keys is None:
        return pipeline.load(root)
    name, key = keys
    cached = _read(directory, name, key)
    if cached is not None:
        return cached
    loaded = pipeline.load(root)
    if loaded.ok:
        _write(directory, name, key, loaded)
    return loaded
