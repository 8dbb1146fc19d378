"""Jinja2 environments, one per language, with gettext and the formatting filters installed.

Templates are plain HTML with ``{{ _("...") }}`` for text and filters for values:
``{{ x | money }}`` (an amount from ``Decimal``), ``{{ d | day }}``, ``{{ t | moment }}``,
``{{ n | orgnr }}``, ``{{ a | account }}``, ``{{ n | count }}``. Autoescaping is on; undefined
names fail loudly (tests render every page), so a typo never shows as an empty cell.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from reskontro.web import bank_notes, formatting
from reskontro.web.i18n import translations


@functools.cache
def environment(lang: str) -> Environment:
    env = Environment(loader=PackageLoader("reskontro.web", "templates"), autoescape=True,
                      extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True,
                      undefined=StrictUndefined)
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]

    def money(value: Decimal | int | None, places: int | None = None) -> str:
        return formatting.amount(value, lang, places=places)

    env.filters.update({
        "money": money,
        "day": lambda value: formatting.day(value, lang),
        "moment": lambda value: formatting.moment(value, lang),
        "count": lambda value: formatting.integer(value, lang),
        "orgnr": formatting.org_number,
        "account": formatting.bank_account,
        # an importer's note on a bank payment, translated (None for a user's own note)
        "bank_note": lambda value: bank_notes.explain(value, translations(lang)),
    })
    env.globals["lang"] = lang
    return env


def render(lang: str, template: str, context: dict[str, Any]) -> str:
    return environment(lang).get_template(template).render(context)
