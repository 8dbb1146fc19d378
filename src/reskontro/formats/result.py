"""What a parser returns: the good records and every problem, each with where it was found."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Problem:
    """A bad value or record: ``source`` (file), ``location`` (row 7, column amount), a code and a message.

    ``unit`` names what ``row`` counts: a table's rows, a text file's or an XML document's lines (where ``column``
    is a field or an element path), a payment file's transfers.
    """

    source: str
    row: int | None
    column: str | None
    code: str
    message: str
    unit: str = "row"

    def __str__(self) -> str:
        where = [self.source] if self.source else []
        if self.row is not None:
            where.append(f"{self.unit} {self.row}")
        if self.column and self.column.startswith("/"):
            where.append(f"element {self.column}")
        elif self.column:
            where.append(f"{'field' if self.unit != 'row' else 'column'} {self.column!r}")
        return f"{', '.join(where)}: {self.message}"


@dataclass(slots=True)
class ParseResult(Generic[T]):
    records: list[T] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems
