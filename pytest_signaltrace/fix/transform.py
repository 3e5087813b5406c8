"""The libcst codemod of ``signaltrace fix``: removes (or marks) the planned lines' code.

Removing: a dead registration (a ``@receiver`` decorator, a ``connect`` statement, or only the
dead signals of ``@receiver([a, b])``); a handler function when the plan says so and it is a
module-level function whose every decorator goes too (``@shared_task`` or any other decorator
keeps it: only the dead ones go); an unused signal's definition; then every import that this
left unused (libcst's ``RemoveImportsVisitor``; relative imports are resolved against the file's
package). Comments above a kept function or between its decorators stay. A block left empty
gets ``pass``. Marking (``--pragma``): ``# pragma: no signal cover`` at the end of the decorator
or ``connect`` line instead. Nothing else in the file changes, comments and formatting included.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import field

import libcst as cst
from libcst.codemod import CodemodContext, VisitorBasedCodemodCommand
from libcst.codemod.visitors import RemoveImportsVisitor
from libcst.metadata import PositionProvider

from pytest_signaltrace.fix.names import aliases, match_elements, package_for
from pytest_signaltrace.fix.plan import FilePlan
from pytest_signaltrace.record import Record
from pytest_signaltrace.scan import shapes

PRAGMA = "# pragma: no signal cover"
#: The statements that carry the blank lines and comments above them.
_WithLeadingLines = (
    cst.SimpleStatementLine,
    cst.FunctionDef,
    cst.ClassDef,
    cst.If,
    cst.For,
    cst.While,
    cst.With,
    cst.Try,
)


class FixedSource(Record, frozen=False):
    """One file with its plan applied."""

    source: bytes
    #: Lines of the plan's removals that matched no code (the map and the file disagree).
    unmatched: list[int] = field(default_factory=list)
    #: Lines the transform chose to leave as they are, and why.
    left_alone: list[tuple[int, str]] = field(default_factory=list)


class FixDead(VisitorBasedCodemodCommand):
    """Apply one file's :class:`FilePlan`."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(
        self,
        context: CodemodContext,
        plan: FilePlan,
        *,
        pragma: bool = False,
        names: dict[str, str] | None = None,
        module: str = "",
    ) -> None:
        super().__init__(context)
        self.plan = plan
        self.pragma = pragma
        self.names = names or {}
        self.module_name = module
        #: Lines acted on, to tell the plan's lines the code no longer has.
        self.done: set[int] = set()
        #: Lines left as they are on purpose, and why.
        self.left_alone: list[tuple[int, str]] = []
        #: Functions and classes the visit is inside (a method is never removed).
        self._scopes = 0
        #: Statements removed (by id): their blank lines go to the next statement kept.
        self._removed: set[int] = set()

    def _line(self, node: cst.CSTNode) -> int:
        return self.get_metadata(PositionProvider, node).start.line

    def _span(self, node: cst.CSTNode) -> range:
        position = self.get_metadata(PositionProvider, node)
        return range(position.start.line, position.end.line + 1)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        """Count the scope (see :meth:`leave_FunctionDef`)."""
        self._scopes += 1

    def leave_ClassDef(
        self, original_node: cst.ClassDef, updated_node: cst.ClassDef
    ) -> cst.ClassDef:
        """Leave the scope."""
        self._scopes -= 1
        return updated_node

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        """Count the scope: only a module-level function is ever removed whole."""
        self._scopes += 1

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef | cst.RemovalSentinel:
        """A dead receiver's function goes; or just its dead registrations; or they are marked."""
        self._scopes -= 1
        whole = {
            id(d): d for d in original_node.decorators if self._line(d) in self.plan.decorators
        }
        self.done.update(self._line(d) for d in whole.values())
        def_line = self._line(original_node.name)
        if def_line in self.plan.functions:
            self.done.add(def_line)
            others = len(original_node.decorators) - len(whole)
            if not self.pragma and not self._scopes and not others:
                RemoveImportsVisitor.remove_unused_import_by_node(self.context, original_node)
                self._removed.add(id(original_node))
                return cst.RemovalSentinel.REMOVE
        decorators: list[cst.Decorator] = []
        carried: list[cst.EmptyLine] = []  # comments of a removed decorator, kept on the next
        for original, updated in zip(
            original_node.decorators, updated_node.decorators, strict=True
        ):
            line = self._line(original)
            if id(original) in whole and not self.pragma:
                RemoveImportsVisitor.remove_unused_import_by_node(self.context, original)
                carried.extend(updated.leading_lines)
                continue
            if id(original) in whole:
                updated = _with_comment(updated)
            elif line in self.plan.elements and not self.pragma:
                updated = self._without_dead_elements(original, updated, line)
            if carried:
                updated = updated.with_changes(leading_lines=[*carried, *updated.leading_lines])
                carried = []
            decorators.append(updated)
        if carried:
            updated_node = updated_node.with_changes(
                lines_after_decorators=[*carried, *updated_node.lines_after_decorators]
            )
        return updated_node.with_changes(decorators=decorators)

    def _without_dead_elements(
        self, original: cst.Decorator, updated: cst.Decorator, line: int
    ) -> cst.Decorator:
        """``@receiver([dead, live])`` as ``@receiver([live])``; unchanged when the elements
        cannot be told apart."""
        dead = self.plan.elements[line]
        call = original.decorator
        sequence = (
            call.args[0].value
            if isinstance(call, cst.Call) and call.args and not call.args[0].keyword
            else None
        )
        if not isinstance(sequence, cst.List | cst.Tuple):
            self.left_alone.append((line, "the dead signal is not an element of a list"))
            return updated
        signals = match_elements(
            [e.value for e in sequence.elements if isinstance(e, cst.Element)],
            self.plan.element_signals.get(line, dead),
            self.names,
            self.module_name,
        )
        if signals is None or len(signals) != len(sequence.elements):
            self.left_alone.append((line, "cannot tell which element of the list is dead"))
            return updated
        kept = [e for e, s in zip(sequence.elements, signals, strict=True) if s not in dead]
        if not kept or len(kept) == len(signals):
            self.left_alone.append((line, "cannot tell which element of the list is dead"))
            return updated
        self.done.add(line)
        RemoveImportsVisitor.remove_unused_import_by_node(self.context, original)
        last = sequence.elements[-1].comma
        if isinstance(sequence, cst.Tuple) and len(kept) == 1:
            last = cst.Comma()  # (a,) stays a tuple
        kept[-1] = kept[-1].with_changes(comma=last)
        new_sequence = sequence.with_changes(elements=kept)
        assert isinstance(call, cst.Call)  # checked above
        args = [call.args[0].with_changes(value=new_sequence), *call.args[1:]]
        return updated.with_changes(decorator=call.with_changes(args=args))

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine | cst.RemovalSentinel:
        """A dead ``connect`` call or an unused definition: removed, or marked."""
        span = self._span(original_node)
        connects = [line for line in self.plan.connects if line in span]
        definitions = [line for line in self.plan.definitions if line in span]
        if definitions and not connects and not _is_single_assignment(original_node):
            self.left_alone.extend(
                (line, "it defines more than the one signal") for line in definitions
            )
            return updated_node
        if not (connects and _is_connect(original_node)) and not definitions:
            return updated_node
        self.done.update(connects + definitions)
        if self.pragma:
            if not connects:
                return updated_node
            trailing = updated_node.trailing_whitespace
            return updated_node.with_changes(trailing_whitespace=_comment_on(trailing))
        RemoveImportsVisitor.remove_unused_import_by_node(self.context, original_node)
        self._removed.add(id(original_node))
        return cst.RemovalSentinel.REMOVE

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        """A block whose every statement went keeps a ``pass``."""
        if original_node.body and not updated_node.body:
            return updated_node.with_changes(body=[cst.SimpleStatementLine([cst.Pass()])])
        return updated_node.with_changes(body=self._spaced(original_node.body, updated_node.body))

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        """Keep the blank lines of removed statements (see :meth:`_spaced`)."""
        return updated_node.with_changes(body=self._spaced(original_node.body, updated_node.body))

    def _spaced(
        self, original: Sequence[cst.BaseStatement], updated: Sequence[cst.BaseStatement]
    ) -> list[cst.BaseStatement]:
        """``updated`` where a statement kept after removed ones that had no blank line above
        it gets theirs: the code around a removal stays spaced as it was."""
        body = list(updated)
        kept = 0
        blank: list[cst.EmptyLine] = []
        for statement in original:
            if id(statement) in self._removed:
                if not blank and isinstance(statement, _WithLeadingLines):
                    blank = [line for line in statement.leading_lines if line.comment is None]
                continue
            following = body[kept] if kept < len(body) else None
            if blank and isinstance(following, _WithLeadingLines) and not following.leading_lines:
                body[kept] = following.with_changes(leading_lines=blank)
            blank = []
            kept += 1
        return body

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        """Run the visitor (imports left unused are removed by the codemod framework)."""
        return tree.visit(self)


def _is_connect(statement: cst.SimpleStatementLine) -> bool:
    """``sig.connect(handler)``, or ``sig.connect_via(sender)(handler)``, alone on its line."""
    if len(statement.body) != 1:
        return False
    small = statement.body[0]
    if not isinstance(small, cst.Expr) or not isinstance(small.value, cst.Call):
        return False
    func = small.value.func
    current = shapes.current()
    if isinstance(func, cst.Call):  # a connecting decorator applied by hand
        inner = func.func
        return isinstance(inner, cst.Attribute) and inner.attr.value in current.connect_decorators
    return isinstance(func, cst.Attribute) and func.attr.value == "connect"


def _is_single_assignment(statement: cst.SimpleStatementLine) -> bool:
    """``name = Signal()`` (or annotated): one target, one name; ``a = b = Signal()`` and
    ``a, b = ...`` define more than the one signal and stay."""
    if len(statement.body) != 1:
        return False
    small = statement.body[0]
    if isinstance(small, cst.AnnAssign):
        return small.value is not None
    return (
        isinstance(small, cst.Assign)
        and len(small.targets) == 1
        and isinstance(small.targets[0].target, cst.Name | cst.Attribute)
    )


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
    source: bytes, plan: FilePlan, *, pragma: bool = False, module: str = ""
) -> FixedSource:
    """``source`` with ``plan`` applied; ``module`` is the file's dotted module name (relative
    imports resolve against its package)."""
    tree = cst.parse_module(source)
    package = package_for(module, plan.path, tree)
    context = CodemodContext(
        filename=plan.path, full_module_name=module or None, full_package_name=package
    )
    command = FixDead(context, plan, pragma=pragma, names=aliases(tree, package), module=module)
    result = command.transform_module(tree)
    wanted = plan.decorators | plan.connects
    if not pragma:
        wanted |= plan.definitions | plan.functions | set(plan.elements)
    left = {line for line, _ in command.left_alone}
    fixed = result.bytes
    if fixed != source and not source.startswith((b"\n", b"\r\n")):
        # Imports removed from the top leave the blank lines that followed them first.
        fixed = fixed.lstrip(b"\r\n")
    return FixedSource(fixed, sorted(wanted - command.done - left), sorted(set(command.left_alone)))
