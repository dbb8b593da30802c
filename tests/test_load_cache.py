"""The cache of checked rule sets: a second load gives what loading afresh gives, without parsing;
any change to a rule file or a table is a miss; entries someone else could have written, and
broken entries, are never used; `RULES_CACHE_DIR=off` turns it off."""
import os
import shutil

import pytest

from interpreter import api
from interpreter.language import load_cache, pipeline

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def rules_copy(tmp_path, monkeypatch):
    target = tmp_path / "ramsa"
    shutil.copytree(os.path.join(ROOT, "rules", "ramsa"), target)
    monkeypatch.setenv("RULES_CACHE_DIR", str(tmp_path / "cache"))
    return target


@pytest.fixture
def loads(monkeypatch):
    """Counts the loads that really parse."""
    calls = []
    real = pipeline.load

    def counting(root, *args, **kwargs):
        calls.append(root)
        return real(root, *args, **kwargs)
    monkeypatch.setattr(pipeline, "load", counting)
    return calls


def _entries(rules_copy):
    directory = rules_copy.parent / "cache"
    return sorted(p for p in os.listdir(directory) if p.endswith(".pickle")) if directory.exists() else []


def test_a_second_load_comes_from_the_cache_and_equals_a_fresh_one(rules_copy, loads):
    first = api.load(str(rules_copy))
    second = api.load(str(rules_copy))
    assert first.ok and second.ok and len(loads) == 1
    assert second.ruleset == first.ruleset and second.diagnostics == first.diagnostics
    assert second.tables.keys() == first.tables.keys()
    for name, table in first.tables.items():
        assert [r.data for r in second.tables[name].rows] == [r.data for r in table.rows]
    mode = os.stat(rules_copy.parent / "cache").st_mode & 0o777
    assert mode == 0o700 and len(_entries(rules_copy)) == 1


def test_any_change_to_a_rule_file_or_a_table_is_a_miss(rules_copy, loads):
    api.load(str(rules_copy))
    act = rules_copy / "act.rules"
    act.write_text(act.read_text(encoding="utf-8") + "# a comment changes the bytes\n", encoding="utf-8")
    changed = api.load(str(rules_copy))
    assert changed.ok and len(loads) == 2
    table = next(iter(changed.ruleset.tables.values()))
    with open(table.path, "a", encoding="utf-8") as handle:
        handle.write("\n")
    before = len(loads)
    api.load(str(rules_copy))
    assert len(loads) == before + 1
    assert len(_entries(rules_copy)) == 1  # one entry per rule-set location


@pytest.mark.parametrize("damage", ["group-writable", "truncated", "garbage"])
def test_an_entry_anyone_else_could_have_written_or_a_broken_one_is_not_used(rules_copy, loads, damage):
    api.load(str(rules_copy))
    [name] = _entries(rules_copy)
    entry = rules_copy.parent / "cache" / name
    if damage == "group-writable":
        os.chmod(entry, 0o664)
    elif damage == "truncated":
        entry.write_bytes(entry.read_bytes()[:1000])
    else:
        entry.write_bytes(load_cache.FORMAT + b"not the key\n" + b"\x80\x05junk")
    again = api.load(str(rules_copy))
    assert again.ok and len(loads) == 2


def test_the_cache_can_be_turned_off(rules_copy, loads, monkeypatch):
    monkeypatch.setenv("RULES_CACHE_DIR", "off")
    api.load(str(rules_copy))
    api.load(str(rules_copy))
    assert len(loads) == 2 and not (rules_copy.parent / "cache").exists()


def test_a_rule_set_with_errors_is_never_cached(tmp_path, loads, monkeypatch):
    monkeypatch.setenv("RULES_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "act.rules").write_text("act X \"x\"\nsection 1:\n  decision d: boolean = nope\n", encoding="utf-8")
    assert not api.load(str(tmp_path / "bad")).ok
    assert not api.load(str(tmp_path / "bad")).ok
    assert len(loads) == 2


def _rewrite_keeping_size_and_times(path, old: str, new: str) -> None:
    """Edit `path` in place so that only its bytes tell: same size, same access and modification times."""
    assert len(old.encode()) == len(new.encode())
    info = os.stat(path)
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    after = os.stat(path)
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (info.st_size, info.st_mtime_ns, info.st_ino)


def test_an_edit_that_keeps_size_and_modification_time_is_still_a_miss(rules_copy, loads):
    # The key hashes the bytes of every rule file and table: a stat-based key (size, mtime,
    # inode) would serve the old rule set here.
    first = api.load(str(rules_copy))
    rates = rules_copy / "data" / "section301_china_rates.csv"
    _rewrite_keeping_size_and_times(rates, "natural graphite,25%", "natural graphite,75%")
    again = api.load(str(rules_copy))
    assert again.ok and len(loads) == 2
    table = next(t for t in again.tables.values() if t.table.path.endswith("section301_china_rates.csv"))
    assert str(table.rows[0].data["rate"]) != str(next(
        t for t in first.tables.values() if t.table.path.endswith("section301_china_rates.csv")).rows[0].data["rate"])
    act = rules_copy / "act.rules"
    _rewrite_keeping_size_and_times(act, "act RAMSA \"Restoring American", "act RAMSA \"Restoring AMERICAN")
    renamed = api.load(str(rules_copy))
    assert renamed.ok and len(loads) == 3 and "AMERICAN" in renamed.ruleset.title
    assert api.load(str(rules_copy)).ruleset.title == renamed.ruleset.title and len(loads) == 3
