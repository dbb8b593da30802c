"""Type inference: model expression -> Type, without reporting anything.

Shared by `resolve` (to know what a member access reads) and `check` (which reports
mismatches). An expression whose type cannot be found infers as `types.ANY`, so one
error is reported once, where it arises, and does not cascade.
"""
from __future__ import annotations

import attrs

from interpreter.language import model
from interpreter.language import types as T


@attrs.frozen
class Declarations:
    entities: dict
    tables: dict
    value_types: dict  # value id -> Type


def infer(node, decls: Declarations) -> T.Type:
    if isinstance(node, (model.Const, model.FactRef, model.Var, model.FieldRef, model.ValueRef,
                         model.CollectionRef, model.TableRows, model.TableLookup, model.RowField)):
        return node.type
    if isinstance(node, model.AsOf):
        return T.DATE
    if isinstance(node, (model.TableMembership, model.SetMembership, model.Not, model.Quantifier, model.AllAnyOf)):
        return T.BOOLEAN
    if isinstance(node, model.Binary):
        if node.op in ("and", "or", "=", "!=", "<", "<=", ">", ">="):
            return T.BOOLEAN
        result = T.arithmetic_result(node.op, infer(node.left, decls), infer(node.right, decls))
        return result or T.ANY
    if isinstance(node, model.Negate):
        return infer(node.operand, decls)
    if isinstance(node, model.If):
        then = infer(node.then, decls)
        return then if then != T.ANY else infer(node.otherwise, decls)
    if isinstance(node, model.Call):
        _, result = T.BUILTINS[node.function]
        if result == "same":
            return infer(node.args[0], decls)
        if result.startswith("set of "):
            return T.set_of(T.Type(result[len("set of "):]))
        return T.Type(result)
    if isinstance(node, model.Aggregate):
        if node.kind == "count":
            return T.INTEGER
        value_type = infer(node.value, decls)
        if node.kind == "set":
            return T.set_of(value_type)
        return value_type
    if isinstance(node, model.SetLiteral):
        element = next((infer(i, decls) for i in node.items), T.ANY)
        return T.set_of(element)
    return T.ANY
