"""Aging buckets (aldersfordeling): days past due at an as-of date, grouped by upper limits.

``Buckets((30, 60, 90))`` gives ``not_due`` (≤ 0 days past due), ``days_1_30``, ``days_31_60``,
``days_61_90`` and ``days_over_90``; any number of limits is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from reskontro.domain.errors import ValidationFailed


@dataclass(frozen=True, slots=True)
class Bucket:
    name: str
    low: int | None    # smallest days past due in the bucket; None = no lower bound
    high: int | None   # largest days past due in the bucket; None = no upper bound


@dataclass(frozen=True, slots=True)
class Buckets:
    limits: tuple[int, ...] = (30, 60, 90)

    def __post_init__(self) -> None:
        if not self.limits:
            raise ValidationFailed("give at least one bucket limit", field="buckets")
        if any(x <= 0 for x in self.limits) or list(self.limits) != sorted(set(self.limits)):
            raise ValidationFailed(f"bucket limits {list(self.limits)} must be positive and increasing",
                                   field="buckets")

    @classmethod
    def parse(cls, text: str) -> Buckets:
        """Parse ``"30,60,90"``."""
        try:
            return cls(tuple(int(p) for p in text.split(",") if p.strip()))
        except ValueError:
            raise ValidationFailed(f"bucket limits {text!r} must be whole numbers separated by commas",
                                   field="buckets") from None

    def buckets(self) -> tuple[Bucket, ...]:
        out = [Bucket("not_due", None, 0)]
        low = 1
        for limit in self.limits:
            out.append(Bucket(f"days_{low}_{limit}", low, limit))
            low = limit + 1
        out.append(Bucket(f"days_over_{self.limits[-1]}", low, None))
        return tuple(out)

    def names(self) -> tuple[str, ...]:
        return tuple(b.name for b in self.buckets())

    def bucket_for(self, days_past_due: int) -> str:
        for b in self.buckets():
            if b.high is None or days_past_due <= b.high:
                return b.name
        raise AssertionError("unreachable")  # pragma: no cover


def days_past_due(due: date, as_of: date) -> int:
    return (as_of - due).days
