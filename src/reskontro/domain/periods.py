"""Monthly accounting periods. Nothing posts into a closed period."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from reskontro.domain.errors import ValidationFailed


@dataclass(frozen=True, slots=True, order=True)
class Period:
    year: int
    month: int

    @classmethod
    def of(cls, day: date) -> Period:
        return cls(day.year, day.month)

    @classmethod
    def parse(cls, text: str) -> Period:
        m = re.fullmatch(r"([0-9]{4})-([0-9]{1,2})", text.strip())
        if not m or not 1 <= int(m.group(2)) <= 12 or int(m.group(1)) < 1:
            raise ValidationFailed(f"period {text!r} is not YYYY-MM", field="period")
        return cls(int(m.group(1)), int(m.group(2)))

    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    def next(self) -> Period:
        return Period(self.year + self.month // 12, self.month % 12 + 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"
