"""Maintaining the web UI's translations: extract the message ids, merge them into the ``.po`` files, check.

::

    python -m reskontro.web.messages update   # (make messages) new ids come in empty, gone ids go
    python -m reskontro.web.messages check    # exit 1 while a bokmål msgstr is missing

Ids come from the Jinja templates (``{{ _("...") }}``, ``{% trans %}``) and the web package's Python
modules (``N_("...")``). ``tests/web/test_i18n.py`` runs the same extraction.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import write_po

from reskontro.web.formatting import LANGUAGES
from reskontro.web.i18n import DOMAIN, HERE, po_path, read_catalog

NAMES = {"nb": "Norwegian bokmål", "en": "English"}
HEADER = ("# {name} texts of the Reskontro web UI (gettext; the message ids are English).\n"
          "# Part of Reskontro, AGPL-3.0-or-later. Update with `make messages`, then translate the empty entries.\n#")

#: How Babel finds message ids: Jinja templates and the web package's Python modules.
METHOD_MAP = [("templates/**.html", "jinja2.ext:babel_extract"), ("**.py", "python")]
OPTIONS_MAP = {"templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}




def extract() -> Catalog:
    """Every message id in the templates and Python modules of the web package."""
    catalog = Catalog(domain=DOMAIN, project="reskontro", msgid_bugs_address=None)
    found: Iterator[Any] = extract_from_dir(str(HERE), METHOD_MAP, OPTIONS_MAP, strip_comment_tags=True)
    for filename, lineno, message, comments, context in found:
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def update() -> None:
    """Merge the extracted ids into every language's ``.po``: new ids come in empty, gone ids go."""
    template = extract()
    for lang in LANGUAGES:
        path = po_path(lang)
        if path.exists():
            catalog = read_catalog(lang)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=lang, domain=DOMAIN, project="reskontro")
        created = catalog.creation_date
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        catalog.creation_date = created  # no churn in the header when nothing else changed
        catalog.header_comment = HEADER.format(name=NAMES.get(lang, lang))
        catalog.project, catalog.version = "reskontro", "1"
        catalog.msgid_bugs_address = ""
        catalog.last_translator = "Reskontro"
        catalog.language_team = NAMES.get(lang, lang)
        with path.open("wb") as f:
            write_po(f, catalog, width=120, omit_header=False, sort_output=False, include_previous=False,
                     include_lineno=False)


def untranslated(lang: str = "nb") -> list[str]:
    """Message ids of the templates and code that the language's catalogue does not translate."""
    catalog = read_catalog(lang)
    missing = []
    for message in extract():
        if not message.id:
            continue
        found = catalog.get(message.id, context=message.context)
        strings = found.string if found is not None else None
        empty = not all(strings) if isinstance(strings, tuple) else not strings
        if found is None or empty or found.fuzzy:
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


def main(argv: list[str]) -> int:
    if argv[:1] == ["update"]:
        update()
        missing = untranslated("nb")
        print(f"updated {', '.join(str(po_path(lang).relative_to(HERE)) for lang in LANGUAGES)}; "
              f"{len(missing)} message(s) without bokmål text")
        return 0
    if argv[:1] == ["check"]:
        missing = untranslated("nb")
        for message in missing:
            print(f"untranslated in nb: {message!r}")
        return 1 if missing else 0
    print("usage: python -m reskontro.web.messages update|check", file=sys.stderr)
    return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main(sys.argv[1:]))
