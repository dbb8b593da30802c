"""docs/acts/*.md are generated from the rule sets; this fails when one is out of date
(regenerate with `rules doc rules/ACT -o docs/acts/ACT.md`)."""
import os
import re
import shutil

import pytest

from interpreter import load
from interpreter.api import document

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.parametrize("act", ["ramsa", "cmtsa", "secure"])
def test_act_page_is_current(act, monkeypatch):
    monkeypatch.chdir(ROOT)
    page = document(load(os.path.join("rules", act)))
    with open(os.path.join(ROOT, "docs", "acts", f"{act}.md"), encoding="utf-8") as handle:
        assert handle.read() == page, f"docs/acts/{act}.md is stale: run `rules doc rules/{act} -o docs/acts/{act}.md`"


_LINK = re.compile(r"\]\(([^)#\s]+)")
_PATH = re.compile(r"`([\w./-]+/[\w./-]+\.(?:md|rules|yaml|yml|json|csv|txt))`")


@pytest.mark.parametrize("act", ["ramsa", "cmtsa", "secure"])
def test_a_generated_page_names_only_files_that_exist_in_the_users_own_folder(act, tmp_path, monkeypatch):
    # A user's rule set lives outside this repository, so the page may not point into docs/.
    shutil.copytree(os.path.join(ROOT, "rules", act), tmp_path / act)
    monkeypatch.chdir(tmp_path)
    page = document(load(act))
    assert "docs/" not in page
    named = _LINK.findall(page) + _PATH.findall(page)
    missing = [path for path in named if not os.path.exists(path)]
    assert missing == []
    if act == "ramsa":
        assert f"{act}/data/SOURCES.md" in named  # the check above has something to check
