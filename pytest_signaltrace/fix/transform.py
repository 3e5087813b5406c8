"""The libcst codemod of ``signaltrace fix``: removes (or marks) the planned lines' code.

Removing: a dead receiver's decorator, or its whole function when the plan says so; a dead
``connect`` statement; an unused signal's definition; then every import that this left unused
(libcst's ``RemoveImportsVisitor``). A block left empty gets ``pass``. Marking (``--pragma``):
``# pragma: no signal cover`` at the end of the decorator or ``connect`` line instead. Nothing
else in the file changes, comments and formatting included.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst
from libcst.codemod import CodemodContext, VisitorBasedCodemodCommand
from libcst.codemod.visitors import RemoveImportsVisitor
from libcst.metadata import PositionProvider

from pytest_signaltrace.fix.plan import FilePlan

PRAGMA = "# pragma: no signal cover"


class FixDead(VisitorBasedCodemodCommand):
    """Apply one file's :class:`FilePlan`."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, context: CodemodContext, plan: FilePlan, *, pragma: bool = False) -> None:
        super().__init__(context)
        self.plan = plan
        self.pragma = pragma
        #: Lines acted on, to tell the plan's lines the code no longer has.
        self.done: set[int] = set()

    def _line(self, node: cst.CSTNode) -> int:
        return self.get_metadata(PositionProvider, node).start.line

    def _span(self, node: cst.CSTNode) -> range:
        position = self.get_metadata(PositionProvider, node)
        return range(position.start.line, position.end.line + 1)

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef | cst.RemovalSentinel:
        """A dead receiver's function goes; or just its dead decorators; or they are marked."""
        dead = [d for d in original_node.decorators if self._line(d) in self.plan.decorators]
        self.done.update(self._line(d) for d in dead)
        def_line = self._line(original_node.name)
        if def_line in self.plan.functions and not self.pragma:
            self.done.add(def_line)
            RemoveImportsVisitor.remove_unused_import_by_node(self.context, original_node)
            return cst.RemovalSentinel.REMOVE
        if not dead:
            return updated_node
        dead_ids = {id(d) for d in dead}
        decorators = []
        for original, updated in zip(
            original_node.decorators, updated_node.decorators, strict=True
        ):
            if id(original) not in dead_ids:
                decorators.append(updated)
            elif self.pragma:
                decorators.append(_with_comment(updated))
            else:
                RemoveImportsVisitor.remove_unused_import_by_node(self.context, original)
        return updated_node.with_changes(decorators=decorators)

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine | cst.RemovalSentinel:
        """A dead ``connect`` call or an unused definition: removed, or marked."""
        span = self._span(original_node)
        connects = [line for line in self.plan.connects if line in span]
        definitions = [line for line in self.plan.definitions if line in span]
        if not (connects and _is_connect(original_node)) and not (
            definitions and _is_assignment(original_node)
        ):
            return updated_node
        self.done.update(connects + definitions)
        if self.pragma:
            if not connects:
                return updated_node
            trailing = updated_node.trailing_whitespace
            return updated_node.with_changes(trailing_whitespace=_comment_on(trailing))
        RemoveImportsVisitor.remove_unused_import_by_node(self.context, original_node)
        return cst.RemovalSentinel.REMOVE

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        """A block whose every statement went keeps a ``pass``."""
        if original_node.body and not updated_node.body:
            return updated_node.with_changes(body=[cst.SimpleStatementLine([cst.Pass()])])
        return updated_node

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        """Run the visitor (imports left unused are removed by the codemod framework)."""
        return tree.visit(self)


def _is_connect(statement: cst.SimpleStatementLine) -> bool:
    return (
        any(
            isinstance(small, cst.Expr)
            and isinstance(small.value, cst.Call)
            and isinstance(small.value.func, cst.Attribute)
            and small.value.func.attr.value == "connect"
            for small in statement.body
        )
        and len(statement.body) == 1
    )


def _is_assignment(statement: cst.SimpleStatementLine) -> bool:
    return len(statement.body) == 1 and isinstance(statement.body[0], cst.Assign | cst.AnnAssign)


def _with_comment(decorator: cst.Decorator) -> cst.Decorator:
    return decorator.with_changes(trailing_whitespace=_comment_on(decorator.trailing_whitespace))


def _comment_on(trailing: cst.TrailingWhitespace) -> cst.TrailingWhitespace:
    if trailing.comment is not None and PRAGMA in trailing.comment.value:
        return trailing
    if trailing.comment is not None:
        # Keep the existing comment; the pragma joins it (the scan reads it anywhere in it).
        return trailing.with_changes(comment=cst.Comment(f"{trailing.comment.value}  {PRAGMA}"))
    return trailing.with_changes(whitespace=cst.SimpleWhitespace("  "), comment=cst.Comment(PRAGMA))


def fix_source(
    source: bytes, plan: FilePlan, *, pragma: bool = False
) -> tuple[bytes, Sequence[int]]:
    """``source`` with ``plan`` applied, and the plan's lines that matched no code."""
    module = cst.parse_module(source)
    context = CodemodContext()
    command = FixDead(context, plan, pragma=pragma)
    result = command.transform_module(module)
    wanted = plan.decorators | plan.connects
    if not pragma:
        wanted |= plan.definitions | plan.functions
    return result.bytes, sorted(wanted - command.done)
