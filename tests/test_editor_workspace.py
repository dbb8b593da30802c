"""The language server's workspace model, without the protocol: which rule set a file belongs
to, unsaved text overlaid on the files on disk, and answers from the last version that loaded."""
import os

from interpreter.editor.workspace import Workspace, rule_set_root

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RAMSA = os.path.join(ROOT, "rules", "ramsa")
S4 = os.path.join(RAMSA, "s4_alliance.rules")


def test_a_file_belongs_to_the_nearest_directory_up_with_an_act(tmp_path):
    assert rule_set_root(S4) == RAMSA
    (tmp_path / "act.rules").write_text('act X "x"\n', encoding="utf-8")
    nested = tmp_path / "part" / "s1.rules"
    nested.parent.mkdir()
    nested.write_text("", encoding="utf-8")
    assert rule_set_root(str(nested)) == str(tmp_path)


def test_a_file_under_no_act_is_a_rule_set_on_its_own(tmp_path):
    lonely = tmp_path / "lonely.rules"
    lonely.write_text('act X "x"\nsection 1:\n  value v: integer = 1\n', encoding="utf-8")
    assert rule_set_root(str(lonely)) == str(lonely)
    workspace = Workspace()
    workspace.open(str(lonely), lonely.read_text(encoding="utf-8").replace("= 1", "= w"))
    [diagnostic] = workspace.diagnostics(str(lonely))[str(lonely)]
    assert diagnostic.code == "E230"


def test_unsaved_text_is_overlaid_and_names_answer_from_the_last_good_load(monkeypatch):
    monkeypatch.chdir(ROOT)
    text = open(S4, encoding="utf-8").read()
    workspace = Workspace()
    workspace.open(S4, text.replace("\nsection 4", "\nsection 4 oops"))
    found = workspace.diagnostics(S4)
    assert [d.code for d in found[S4]] == ["E100"]
    assert found[os.path.join(RAMSA, "act.rules")] == []  # every file of the rule set is listed
    assert workspace.symbol_at(S4, 1, 1) is None  # nothing loaded yet, so nothing to answer from

    workspace.open(S4, text)
    assert workspace.diagnostics(S4)[S4] == []
    line = text[:text.index("country.agrees_to_raise_duties")].count("\n") + 1
    column = text.splitlines()[line - 1].index("agrees_to_raise_duties") + 1
    assert workspace.symbol_at(S4, line, column)[1].key == "field:Country.agrees_to_raise_duties"

    workspace.open(S4, text.replace("\nsection 4", "\nsection 4 oops"))
    assert [d.code for d in workspace.diagnostics(S4)[S4]] == ["E100"]
    assert workspace.symbol_at(S4, line, column)[1].key == "field:Country.agrees_to_raise_duties"


def test_a_change_on_disk_to_a_file_that_is_not_open_is_seen(tmp_path):
    (tmp_path / "act.rules").write_text('act X "x"\nfact f: integer\n', encoding="utf-8")
    part = tmp_path / "s1.rules"
    part.write_text("section 1:\n  value v: integer = f\n", encoding="utf-8")
    workspace = Workspace()
    workspace.open(str(part), part.read_text(encoding="utf-8"))
    assert workspace.diagnostics(str(part))[str(part)] == []
    (tmp_path / "act.rules").write_text('act X "x"\nfact g: integer\n', encoding="utf-8")
    os.utime(tmp_path / "act.rules", ns=(1, 1))  # a different modification time, however fast the test
    assert [d.code for d in workspace.diagnostics(str(part))[str(part)]] == ["E230"]
