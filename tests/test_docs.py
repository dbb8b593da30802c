"""docs/acts/*.md are generated from the rule sets; this fails when one is out of date
(regenerate with `rules doc rules/ACT -o docs/acts/ACT.md`)."""
import os

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
