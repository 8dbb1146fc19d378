"""Translations of the web UI: gettext catalogues kept as ``.po`` sources, compiled in memory on first use.

The message ids are English; ``locale/nb/LC_MESSAGES/messages.po`` holds the Norwegian bokmål
text (the default language) and ``locale/en/...`` the English catalogue (empty strings: English is
the id itself). Templates mark text with ``{{ _("...") }}`` / ``{% trans %}``; Python code marks it
with ``N_("...")`` and translates it when the page is rendered.

**Why compile in memory.** The ``.po`` files are the only committed form. At the first page in a
language, Babel reads its ``.po`` and writes the ``.mo`` into a buffer that :mod:`gettext` loads
(a few milliseconds, once per process). So ``pip install`` needs no build hook and no compiler, a
checkout runs as it is, and there is no committed ``.mo`` that can drift from its ``.po``.

The workflow for a translator or developer (``make messages``, see :mod:`reskontro.web.messages`)::

    python -m reskontro.web.messages update    # extract every message id, merge into both .po files
    # translate the new empty msgstr entries in locale/nb/LC_MESSAGES/messages.po
    python -m reskontro.web.messages check     # fails while an nb message has no translation

``tests/web/test_i18n.py`` runs the same extraction and fails when an id has no bokmål text.
"""

from __future__ import annotations

import functools
import gettext
from io import BytesIO
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from reskontro.web.formatting import DEFAULT_LANGUAGE, LANGUAGES

HERE = Path(__file__).resolve().parent
LOCALE_DIR = HERE / "locale"
DOMAIN = "messages"


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is shown."""
    return message


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(lang: str) -> Catalog:
    with po_path(lang).open("rb") as f:
        return read_po(f, locale=lang, domain=DOMAIN)


@functools.cache
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalogue of a language (compiled once per process, in memory)."""
    if lang not in LANGUAGES:
        lang = DEFAULT_LANGUAGE
    buffer = BytesIO()
    write_mo(buffer, read_catalog(lang), use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


class Translator:
    """gettext for one language, with ``%(name)s`` placeholders filled from keywords."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
        self._t = translations(self.lang)

    def gettext(self, message: str, **values: Any) -> str:
        text = self._t.gettext(message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, n: int, **values: Any) -> str:
        text = self._t.ngettext(singular, plural, n)
        return text % {"num": n, **values}
