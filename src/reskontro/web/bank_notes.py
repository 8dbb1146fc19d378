"""Why a bank payment waits in the queue (or was skipped), in the user's language.

The importer writes each note in English with the values at fault (``"KID 0001000109 fails its check digit"``);
the pages show the translated sentence, with the English note beside it in small type. A note a user wrote when
resolving a payment matches no pattern and is shown as it was written.
"""

from __future__ import annotations

import re
from gettext import NullTranslations

from reskontro.web.i18n import N_

#: (pattern of the English note, translated sentence with the pattern's named groups), the first match wins.
NOTES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^KID (?P<kid>\S+) fails its check digit$"),
     N_("The KID %(kid)s has a wrong check digit: it was mistyped.")),
    (re.compile(r"^KID (?P<kid>\S+) is on invoices of (?P<n>\d+) customers$"),
     N_("The KID %(kid)s is on invoices of %(n)s customers: choose the right one.")),
    (re.compile(r"^KID (?P<kid>\S+) is on no customer invoice$"),
     N_("No customer invoice has the KID %(kid)s.")),
    (re.compile(r"^the invoice numbers in the text belong to several customers$"),
     N_("The invoice numbers in the text belong to several customers.")),
    (re.compile(r"^the payer is known, but has no open item of exactly this amount$"),
     N_("The payer is a known customer, but has no open item of exactly this amount.")),
    (re.compile(r"^no KID, invoice number or known payer with an open item of this amount$"),
     N_("No KID, no invoice number in the text, and no known payer with an open item of this amount.")),
    (re.compile(r"^period (?P<period>\S+) is closed$"),
     N_("The accounting period %(period)s is closed: reopen it, or post the payment in an open period.")),
    (re.compile(r"^money out: post it to the supplier it paid$"),
     N_("Money out that is none of our payment files: post it to the supplier it paid.")),
    (re.compile(r"^money back from a payment out"),
     N_("Money back from a payment out: park it on the suspense account and clear it by hand.")),
    (re.compile(r"^payment (?P<id>\S+) of ours is (?P<status>\w+), not in payment$"),
     N_("Our payment %(id)s is not in payment (it is %(status)s).")),
    (re.compile(r"^no earlier payment of this amount and KID to take back$"),
     N_("A reversal, but no earlier payment of this amount and KID to take back.")),
    (re.compile(r"^already taken in as bank payment (?P<id>\d+)$"),
     N_("The same payment was taken in before (bank payment %(id)s): nothing is posted.")),
    (re.compile(r"^the same as transaction (?P<seq>\d+) of this file$"),
     N_("The same payment as transaction %(seq)s of this file: nothing is posted.")),
    (re.compile(r"^takes back bank payment (?P<id>\d+)$"), N_("Takes back bank payment %(id)s.")),
)


def explain(note: str | None, translations: NullTranslations) -> str | None:
    """The note in the page's language, or None for a note that is no importer's (a user's own words)."""
    if not note:
        return None
    for pattern, sentence in NOTES:
        found = pattern.search(note)
        if found:
            return translations.gettext(sentence) % found.groupdict()
    return None
