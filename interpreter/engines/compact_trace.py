"""Compact trace: what the traced generated program recorded for one decision -> the interpreter's `trace.Frame` tree.

input <- the event lists (one per value computed: `T` in the generated code) that the program built
with `codegen.generate(..., traced=True)` appends while it decides; output -> `CompactTrace.frame()`,
a `trace.Frame` tree equal, for `explain.explain`, to the one `evaluate.Evaluator` records with a
`Tracer` when it evaluates the same value on the same facts from scratch (test: the explanation JSON of
every decision of the shipped examples of the three Acts and of the semantics suite is identical).

The interface (used by `api.decide` for one explained decision):
    outcome, trace = session.decide_traced(record_or_None, value_id)   # generated.Session
    frame = trace.frame()                                              # only when explaining

Events are flat tuples, cheap to append; nothing is built until `frame()` is called:
    (RULE, rule, status, condition, value)    a rule considered (`trace.RuleEvent`)
    (FIELD, record, node, raw value)          a field read (`model.FieldRef`; the raw value may be None)
    (FACT, node, value)                       a global fact read (`model.FactRef`; Unknown when missing)
    (ROW, row)                                a table lookup's result (only a `Row` is kept)
    (OPERAND, node, value)                    a boolean operand the explanation shows
    (LOCAL, slot, record) / (SHARED, index, record)   a value read: its own frame, or a reference
A value of the decided record is recorded per call; a value shared by every record (a global value,
another entity's value) once per session, and its frame (when it reads no value of a record of the
entity decided) is built once per session and reused by every tree that reads it.
"""
from __future__ import annotations

from interpreter.evaluation.evaluate import _Applies, _NOT_APPLIES, _NotApplies, combine_rule
from interpreter.evaluation.trace import Frame, Reference, RuleEvent
from interpreter.language.tables import Row
from interpreter.language.values import Unknown

RULE, FIELD, FACT, ROW, OPERAND, LOCAL, SHARED = range(7)
STATUSES = {"S_OVERRIDDEN": "overridden", "S_NOT_APPLIED": "not_applied", "S_APPLIED": "applied"}


def combine_traced(rule, below, holds, result, events: list) -> tuple:
    """`combine_rule` (as `generated._combine`), recording the rule's status."""
    combined, status = combine_rule(rule, below, holds, result)
    events.append((RULE, rule, status, holds, result))
    if combined.__class__ is _Applies:
        return combined.value, combined.rules
    if combined.__class__ is _NotApplies:
        return _NOT_APPLIES, ()
    return combined, ()


class CompactTrace:
    """The events of one traced decision (and of the shared values it read); `frame()` builds the tree."""
    __slots__ = ("state", "memo", "root")

    def __init__(self, state, memo: list | None, root: tuple):
        self.state = state  # generated._Traced: the traced program bound to the session, and its memos
        self.memo = memo  # the decided record's memo (values, rules, events), or None for a shared value
        self.root = root  # (LOCAL, slot, record) or (SHARED, index, record)

    def frame(self) -> Frame:
        """The interpreter's frame tree of the decision: each value read is its own frame the first time
        (depth first, in the order it was read), a `Reference` to that frame afterwards."""
        return _Builder(self).build(self.root)


class _Builder:
    def __init__(self, trace: CompactTrace):
        self.state = trace.state
        self.memo = trace.memo
        self.record = trace.root[2]
        self.built: dict = {}
        self.locals_read = 0  # frames of values of records met so far (a subtree without any is kept)

    def lookup(self, kind: int, index: int, record):
        """-> (model.Value, Outcome, events) of a value computed by the traced program."""
        state = self.state
        if kind == LOCAL:
            width = state.width
            memo = self.memo
            if record is not self.record or memo is None or memo[index] is state.unset:
                memo = state.others[record.path]  # the value of a record read through a collection, say
            return (state.local_values[index], state.outcome(memo[index], memo[width + index]),
                    memo[2 * width + index])
        values, rules, events = state.memos[index]
        key = None if record is None else record.path
        return state.shared_values[index], state.outcome(values[key], rules[key]), events[key]

    def build(self, root: tuple):
        kind, index, record = root
        key = (kind, index, None if record is None else record.path)
        if kind == LOCAL:
            self.locals_read += 1
        known = self.built.get(key)
        if known is not None:
            return Reference(known)
        kept = self.state.frames.get(key) if kind == SHARED else None
        if kept is not None:
            self.built[key] = kept
            return kept
        locals_before = self.locals_read
        value, outcome, events = self.lookup(kind, index, record)
        frame = self.built[key] = Frame(value, record)
        frame.outcome = outcome
        rules, facts, rows, operands, children = frame.rules, frame.facts, frame.rows, frame.operands, frame.children
        for event in events:
            code = event[0]
            if code == OPERAND:
                operands[id(event[1])] = event[2]
            elif code == FIELD:
                node = event[2]
                facts.append((f"{event[1].path}.{node.field}", event[3], node.type.kind))
            elif code == RULE:
                rules.append(RuleEvent(event[1], event[2], event[3], event[4]))
            elif code == FACT:
                node, found = event[1], event[2]
                facts.append((node.name, None if found.__class__ is Unknown else found, node.type.kind))
            elif code == ROW:
                if event[1].__class__ is Row:
                    rows.append(event[1])
            else:
                children.append(self.build(event))
        if kind == SHARED and self.locals_read == locals_before:
            # Frames of shared values read only shared values: the same every time, so built once per session.
            # (One object per value in any tree, as the interpreter's; `explain` treats it as a reference.)
            self.state.frames[key] = frame
        return frame
