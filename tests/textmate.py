"""A small TextMate tokenizer in Python, faithful to vscode-textmate for the features the
`rules` grammar uses: `match` rules with `captures`, `begin`/`end` rules (with inner `patterns`
and begin/end captures) that may span lines, `include` of repository entries, and the rule
that the earliest match wins, ties going to the pattern listed first (an `end` pattern before
the inner patterns). The grammar's regular expressions stay within what Python's `re` and
Oniguruma read alike (classes, alternation, lookahead, `\\b`, `$`)."""
import json
import re


class Grammar:
    def __init__(self, path: str):
        with open(path, encoding="utf-8") as handle:
            self.data = json.load(handle)
        self.scope = self.data["scopeName"]
        self.root = self._expand(self.data["patterns"])

    def _expand(self, patterns) -> list[dict]:
        rules = []
        for pattern in patterns:
            if "include" in pattern:
                rules += self._expand([self.data["repository"][pattern["include"][1:]]])
            elif "match" in pattern or "begin" in pattern:
                rule = dict(pattern)
                rule["_regex"] = re.compile(pattern.get("match") or pattern["begin"])
                if "begin" in pattern:
                    rule["_end"] = re.compile(pattern["end"])
                    rule["_inner"] = self._expand(pattern.get("patterns", []))
                rules.append(rule)
            else:
                rules += self._expand(pattern["patterns"])
        return rules

    def tokenize(self, text: str) -> list[list[tuple[str, ...]]]:
        """The scopes of every character, line by line (the newline excluded)."""
        stack: list[dict] = []
        out = []
        for line in text.split("\n"):
            scopes = [None] * len(line)
            position = 0
            for _ in range(10 * len(line) + 10):  # each turn consumes text or changes the stack
                base = (self.scope,) + tuple(r["name"] for r in stack if "name" in r)
                candidates = ([("end", stack[-1]["_end"], stack[-1])] if stack else []) + \
                    [("rule", r["_regex"], r) for r in (stack[-1]["_inner"] if stack else self.root)]
                best = None
                for kind, regex, rule in candidates:
                    match = regex.search(line, position)
                    if match is not None and (best is None or match.start() < best[1].start()):
                        best = (kind, match, rule)
                if best is None:
                    self._paint(scopes, position, len(line), base)
                    break
                kind, match, rule = best
                self._paint(scopes, position, match.start(), base)
                if kind == "end":
                    self._paint(scopes, match.start(), match.end(), base)
                    self._captures(scopes, match, rule.get("endCaptures", {}), base)
                    stack.pop()
                else:
                    inner = base + ((rule["name"],) if "name" in rule else ())
                    self._paint(scopes, match.start(), match.end(), inner)
                    self._captures(scopes, match, rule.get("beginCaptures" if "begin" in rule else "captures", {}), inner)
                    if "begin" in rule:
                        stack.append(rule)
                    elif match.end() == match.start():
                        position += 1  # an empty match of a plain rule moves on one character
                        continue
                position = match.end()
            out.append([s or (self.scope,) for s in scopes])
        return out

    @staticmethod
    def _paint(scopes, start, end, value) -> None:
        for index in range(start, min(end, len(scopes))):
            scopes[index] = value

    @staticmethod
    def _captures(scopes, match, captures, base) -> None:
        for group, capture in captures.items():
            group = int(group)
            if match.group(group) is not None and "name" in capture and match.start(group) < match.end(group):
                Grammar._paint(scopes, match.start(group), match.end(group), base + (capture["name"],))
