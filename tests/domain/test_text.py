"""Free text the user types: control characters and over-long text are refused, naming the field."""

from __future__ import annotations

import pytest

from reskontro.domain.errors import ValidationFailed
from reskontro.domain.text import check_text


@pytest.mark.parametrize("value", ["A\x00B", "tab\there", "line\nbreak", "bell\x07", "c1\x85", "lone \ud800"])
def test_a_one_line_field_refuses_control_characters_and_lone_surrogates(value: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        check_text(value, "name", 200)
    assert err.value.field == "name" and "control character" in str(err.value)


def test_a_multi_line_field_keeps_line_breaks_and_tabs_but_not_nul() -> None:
    assert check_text("first\r\nsecond\tthird", "description", 500, multiline=True) == "first\r\nsecond\tthird"
    with pytest.raises(ValidationFailed, match=r"U\+0000\) at position 3"):
        check_text("ab\x00", "description", 500, multiline=True)


def test_text_longer_than_its_column_is_refused_and_none_passes() -> None:
    assert check_text("Ærlig Østlandet AS 🙂", "name", 200) == "Ærlig Østlandet AS 🙂"
    assert check_text(None, "city", 100) is None
    with pytest.raises(ValidationFailed, match="201 characters; at most 200") as err:
        check_text("x" * 201, "name", 200)
    assert err.value.field == "name"
