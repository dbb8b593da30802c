"""Trace: what evaluation did, recorded as a tree of frames (one per value computed).

input <- events from `evaluate` (only when a tracer is passed; evaluation without a
tracer records nothing); output -> read by `explain`, which builds why / why-not
views by filtering this record. Guarantees: a frame lists, in order, every rule
considered for its value with the outcome of its condition, every fact and table
row read directly, the value of every boolean operand evaluated, and the frames of
the values it read; a value already computed elsewhere appears as a reference.
"""
from __future__ import annotations

import attrs


@attrs.define(eq=False)
class RuleEvent:
    rule: object  # model.Rule
    status: str  # applied | not_applied | unknown | pending (its exceptions are undecided) | overridden
    condition: object = None  # runtime value of the condition (None when unconditional)
    value: object = None


@attrs.define(eq=False)
class Frame:
    value: object  # model.Value
    record: object  # facts.Record or None
    outcome: object = None  # evaluate.Outcome, set on exit
    rules: list = attrs.field(factory=list)
    facts: list = attrs.field(factory=list)  # (path, value, type kind)
    rows: list = attrs.field(factory=list)  # tables.Row
    operands: dict = attrs.field(factory=dict)  # id(expr) -> value
    children: list = attrs.field(factory=list)  # Frame | Reference

    @property
    def target(self) -> str:
        return target_name(self.value, self.record)


@attrs.define(eq=False)
class Reference:
    """A value read here but computed (and explained) in another frame."""
    frame: Frame


def walk_frames(frame: Frame):
    """This frame and every frame below it, each once (references followed)."""
    return iter(frames_below(frame))


def frames_below(frame: Frame) -> list[Frame]:
    """`walk_frames` as a list, in the same order."""
    stack, seen, found = [frame], set(), []
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        found.append(current)
        for child in current.children:
            stack.append(child.frame if child.__class__ is Reference else child)
    return found


def target_name(value, record) -> str:
    if record is None:
        return value.name
    return f"{record.label}.{value.name}"


class Tracer:
    def __init__(self) -> None:
        self.roots: list[Frame] = []
        self._stack: list[Frame] = []
        self._frames: dict[tuple[str, str | None], Frame] = {}
        self.top: Frame | None = None  # the frame being recorded (the top of the stack)

    @property
    def current(self) -> Frame | None:
        return self.top

    def enter(self, value, record, key: tuple | None = None) -> None:
        """`key`: (value.id, record.path or None), if the caller has made it already."""
        frame = Frame(value, record)
        self._frames[key or (value.id, record.path if record else None)] = frame
        if self.top is not None:
            self.top.children.append(frame)
        else:
            self.roots.append(frame)
        self._stack.append(frame)
        self.top = frame

    def exit(self, outcome) -> None:
        stack = self._stack
        stack.pop().outcome = outcome
        self.top = stack[-1] if stack else None

    def reuse(self, value, record, key: tuple | None = None) -> None:
        frame = self._frames.get(key or (value.id, record.path if record else None))
        if frame is not None and self.top is not None:
            self.top.children.append(Reference(frame))

    def frame_for(self, value, record) -> Frame | None:
        return self._frames.get((value.id, record.path if record else None))

    def rule(self, event: RuleEvent) -> None:
        if self.top is not None:
            self.top.rules.append(event)

    def fact(self, path: str, value, kind: str | None = None) -> None:
        if self.top is not None:
            self.top.facts.append((path, value, kind))

    def row(self, row) -> None:
        if self.top is not None:
            self.top.rows.append(row)

    def operand(self, expr, value) -> None:
        if self.top is not None:
            self.top.operands[id(expr)] = value
