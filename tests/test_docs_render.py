"""Every Markdown file in docs/ and the README renders as its author meant: code fences balanced.

A fence opened and never closed (or closed one block late) turns the rest of the page inside
out: prose renders as code and code as prose. markdown-it-py (CommonMark) parses each page;
the checks below catch both symptoms on the rendered structure, not on fence counts.
"""
import glob
import os
import re

import pytest
from markdown_it import MarkdownIt

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGES = sorted(os.path.relpath(p, ROOT) for p in glob.glob(os.path.join(ROOT, "docs", "**", "*.md"), recursive=True))
PAGES.append("README.md")

_HEADING = re.compile(r"^#{2,6} \S")


def fence_problems(text: str) -> list[str]:
    """Where a page's code fences do not pair up as written, as `line N: why` strings."""
    markdown = MarkdownIt("commonmark").enable("table")
    markdown.render(text)  # a page that does not render at all fails here
    lines = text.split("\n")
    problems = []
    tokens = markdown.parse(text)
    for index, token in enumerate(tokens):
        if token.type == "fence":
            start, end = token.map
            last = lines[end - 1].strip() if end - 1 < len(lines) else ""
            if end - start < 2 or not (last.startswith(token.markup) and set(last) <= {token.markup[0]}):
                problems.append(f"line {start + 1}: a code fence that is never closed")
            elif not token.info.strip() and any(_HEADING.match(line) for line in token.content.split("\n")):
                problems.append(f"line {start + 1}: a Markdown heading inside a plain code block (a fence closed late?)")
        elif token.type == "inline" and tokens[index - 1].type == "paragraph_open":
            if token.content.startswith("$ ") or token.content.startswith("```"):
                problems.append(f"line {token.map[0] + 1}: a shell command or fence rendered as prose (a fence closed early?)")
    return problems


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_with_balanced_fences(page):
    with open(os.path.join(ROOT, page), encoding="utf-8") as handle:
        assert fence_problems(handle.read()) == []


def test_the_checks_catch_a_fence_left_open_and_one_closed_late():
    left_open = "# Page\n\n```\n$ rules check x\n\n## Next section\n\nProse.\n"
    assert fence_problems(left_open) == ["line 3: a code fence that is never closed"]
    # The shape docs/cli.md had: one block never closed, so every later fence pairs with the wrong one.
    shifted = ("```\n$ rules doc x | head -3\n# Title\n\n## `rules diff`\n\n```\nrules diff OLD NEW\n```\n\n"
               "Compares.\n\n```\n$ rules diff a b\n```\n")
    problems = fence_problems(shifted)
    assert any("heading inside a plain code block" in p for p in problems)
    assert any("rendered as prose" in p for p in problems)
    assert fence_problems("```sh\n$ rules check x\n```\n\nProse.\n") == []
