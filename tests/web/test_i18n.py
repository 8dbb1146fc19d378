"""Translations: every message of the templates and code has bokmål text, and the catalogues compile."""

from __future__ import annotations

from io import BytesIO

from babel.messages import checkers
from babel.messages.mofile import write_mo

from reskontro.web.formatting import LANGUAGES
from reskontro.web.i18n import Translator, read_catalog
from reskontro.web.messages import extract, untranslated
from reskontro.web.templating import environment


def test_every_message_id_has_a_bokmal_translation() -> None:
    ids = [m.id for m in extract() if m.id]
    assert len(ids) > 200
    assert untranslated("nb") == [], "run `make messages` and translate the new entries in the nb catalogue"


def test_no_bokmal_msgstr_is_empty_and_placeholders_match() -> None:
    catalog = read_catalog("nb")
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"empty bokmål text for {message.id!r}"
        assert not message.fuzzy, f"fuzzy bokmål text for {message.id!r}"
        for checker in (checkers.python_format,):
            checker(catalog, message)  # raises TranslationError when the placeholders differ


def test_both_catalogues_compile() -> None:
    for lang in LANGUAGES:
        buffer = BytesIO()
        write_mo(buffer, read_catalog(lang))
        assert buffer.tell() > 0


def test_the_catalogue_has_no_ids_that_the_code_no_longer_uses() -> None:
    used = {m.id for m in extract() if m.id}
    for lang in LANGUAGES:
        stale = [m.id for m in read_catalog(lang) if m.id and m.id not in used]
        assert stale == [], f"{lang}: run `make messages` to drop {stale[:5]}"


def test_translations_and_plurals_in_use() -> None:
    nb, en = Translator("nb"), Translator("en")
    assert nb.gettext("Customers") == "Kunder" and en.gettext("Customers") == "Customers"
    assert nb.gettext("%(n)s days", n=3) == "3 dager"
    one = "Too many failed sign-ins. Try again in %(num)d minute."
    many = "Too many failed sign-ins. Try again in %(num)d minutes."
    assert nb.ngettext(one, many, 1).endswith("om 1 minutt.")
    assert nb.ngettext(one, many, 5).endswith("om 5 minutter.")
    assert Translator("xx").lang == "nb"


def test_every_template_compiles_in_both_languages() -> None:
    for lang in LANGUAGES:
        env = environment(lang)
        names = env.list_templates(extensions=["html"])
        assert len(names) >= 15
        for name in names:
            env.get_template(name)
