"""Revisions: the two sides of `rules diff`, each a directory or a git revision of one.

A side is written either as a path (`rules/ramsa`, `examples/amendments/x`) or as
`REV:PATH` (`HEAD~1:rules/ramsa`, `v1.0:rules/ramsa`, `main:./rules/ramsa`), git's
own notation for a tree in a revision: PATH is relative to the top of the repository
that holds the current directory (or to the current directory when it starts with
`./`). A path that exists on disk is always read as a path, so a directory whose name
holds a colon still works.

A revision is materialised with `git archive REV:PATH` into a fresh temporary
directory (the rule files with their `data/`), which is removed when the `Sides`
context ends. git runs without a shell; a missing git, a directory outside a
repository, an unknown revision or a path that is not a directory in that revision
come back as `RevisionError` with a message for people, never as a traceback.
"""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import tarfile
import tempfile

import attrs


class RevisionError(Exception):
    """A side could not be materialised; the message is written for the user."""


@attrs.frozen
class SideSpec:
    spec: str  # as the user wrote it
    revision: str | None  # `HEAD~1` for a git side, None for a directory
    path: str  # the directory on disk, or the path inside the revision


def parse_side(spec: str) -> SideSpec:
    """`rules/ramsa` -> a directory; `HEAD~1:rules/ramsa` -> a git revision of one."""
    if os.path.exists(spec) or ":" not in spec:
        return SideSpec(spec, None, spec)
    revision, _, path = spec.partition(":")
    if not revision:
        raise RevisionError(f"`{spec}`: write a git side as REV:PATH, e.g. HEAD~1:rules/ramsa")
    return SideSpec(spec, revision, path or ".")


def _git(args: list[str], cwd: str) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False, timeout=120)
    except FileNotFoundError as exc:
        raise RevisionError("git is not installed (or not on PATH): it is needed to read a side written REV:PATH") from exc
    except subprocess.TimeoutExpired as exc:
        raise RevisionError(f"git {' '.join(args)} did not finish within 120 seconds") from exc


def _first_line(output: bytes) -> str:
    text = output.decode("utf-8", "replace").strip()
    return text.splitlines()[0] if text else ""


def materialise(side: SideSpec, into: str) -> str:
    """Write the tree `side.revision:side.path` under `into`; return that directory."""
    cwd = os.getcwd()
    top = _git(["rev-parse", "--show-toplevel"], cwd)
    if top.returncode != 0:
        raise RevisionError(f"`{side.spec}` names a git revision, but {cwd} is not inside a git repository "
                            f"({_first_line(top.stderr)})")
    treeish = f"{side.revision}:{side.path}"
    kind = _git(["cat-file", "-t", treeish], cwd)
    if kind.returncode != 0:
        commit = _git(["rev-parse", "--verify", "--quiet", f"{side.revision}^{{commit}}"], cwd)
        if commit.returncode != 0:
            raise RevisionError(f"`{side.spec}`: git knows no revision `{side.revision}`")
        raise RevisionError(f"`{side.spec}`: revision `{side.revision}` has no `{side.path}` "
                            "(the path is relative to the top of the repository; start it with ./ for the current directory)")
    if kind.stdout.decode().strip() != "tree":
        raise RevisionError(f"`{side.spec}` is a file in `{side.revision}`; name the rule-set directory")
    tree = _git(["rev-parse", "--verify", "--quiet", treeish], cwd)
    if tree.returncode != 0:
        raise RevisionError(f"`{side.spec}`: git could not read the tree {treeish}")
    # Archive the tree by its id from the top of the repository: git refuses to archive
    # from an untracked directory, and `./` paths were resolved against the cwd above.
    toplevel = top.stdout.decode("utf-8", "replace").strip()
    archive = _git(["archive", "--format=tar", tree.stdout.decode().strip()], toplevel)
    if archive.returncode != 0:
        raise RevisionError(f"git archive {treeish} failed: {_first_line(archive.stderr)}")
    target = os.path.join(into, "ruleset")
    os.makedirs(target)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        if hasattr(tarfile, "data_filter"):
            tar.extractall(target, filter="data")
        else:  # pragma: no cover - Python < 3.11.4
            for member in tar.getmembers():
                if member.name.startswith(("/", "..")) or ".." in member.name.split("/"):
                    raise RevisionError(f"`{side.spec}`: the archive holds an unsafe path {member.name!r}")
            tar.extractall(target)
    return target


class Sides:
    """Context manager: the directories of the old and new sides, temporary ones removed at exit."""

    def __init__(self, *specs: str):
        self.specs = [parse_side(spec) for spec in specs]
        self._temporary: list[str] = []
        self.directories: list[str] = []

    def __enter__(self) -> list[str]:
        try:
            for spec in self.specs:
                if spec.revision is None:
                    self.directories.append(spec.path)
                else:
                    scratch = tempfile.mkdtemp(prefix="rules-diff-")
                    self._temporary.append(scratch)
                    self.directories.append(materialise(spec, scratch))
        except BaseException:
            self._cleanup()
            raise
        return self.directories

    def __exit__(self, *exc) -> None:
        self._cleanup()

    def _cleanup(self) -> None:
        for directory in self._temporary:
            shutil.rmtree(directory, ignore_errors=True)
        self._temporary.clear()
