"""Rules for free text the user types: what a field may hold, checked before it reaches the database.

PostgreSQL cannot store NUL in text and refuses a value longer than its column; SQLite stores both
silently. So both are refused here, naming the field, on every door (API, web, CLI, import): control
characters (C0 and C1, NUL included) in one-line fields, lone surrogates anywhere, and text longer than
the column. A multi-line field (a note, a description) may hold line breaks and tabs.
"""

from __future__ import annotations

import re

from reskontro.domain.errors import ValidationFailed

_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_MULTI_LINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def check_text(value: str | None, field: str, max_length: int, *, multiline: bool = False) -> str | None:
    """The value unchanged, or :class:`ValidationFailed` naming ``field``."""
    if value is None:
        return None
    bad = (_MULTI_LINE if multiline else _ONE_LINE).search(value)
    if bad is not None:
        raise ValidationFailed(f"{field} holds a control character (U+{ord(bad.group()):04X}) at position "
                               f"{bad.start() + 1}", field=field)
    if len(value) > max_length:
        raise ValidationFailed(f"{field} is {len(value)} characters; at most {max_length}", field=field)
    return value
