"""One problem found in a roster workbook, tied to its row and column."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class RowProblem:
    """`row` is the Excel row number (1-based); `column` is the header as written in the file."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.column}: {self.message}"

    @property
    def zh(self) -> str:
        """The same, worded for the Chinese UI."""
        return f"第 {self.row} 行：{self.column}：{self.message}"

    def as_dict(self) -> dict[str, object]:
        return {"row": self.row, "column": self.column, "message": self.message}
