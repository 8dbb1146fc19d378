"""The importer's notes on queued bank payments are shown in the page's language; a user's own note as written."""

from __future__ import annotations

import pytest

from reskontro.web import bank_notes
from reskontro.web.i18n import translations

NOTES = [
    ("KID 0001000109 fails its check digit", "KID-en 0001000109 har feil kontrollsiffer: den er skrevet feil."),
    ("KID 0001000108 is on invoices of 2 customers", "KID-en 0001000108 står på fakturaer til 2 kunder: velg den "
                                                     "riktige."),
    ("KID 9945426792922 is on no customer invoice", "Ingen kundefaktura har KID-en 9945426792922."),
    ("the invoice numbers in the text belong to several customers", "Fakturanumrene i teksten hører til flere kunder."),
    ("the payer is known, but has no open item of exactly this amount",
     "Betaleren er en kjent kunde, men har ingen åpen post på akkurat dette beløpet."),
    ("no KID, invoice number or known payer with an open item of this amount",
     "Ingen KID, intet fakturanummer i teksten og ingen kjent betaler med en åpen post på dette beløpet."),
    ("period 2026-01 is closed", "Regnskapsperioden 2026-01 er stengt: åpne den igjen, eller bokfør betalingen i en "
                                 "åpen periode."),
    ("money out: post it to the supplier it paid", "Penger ut som ikke kommer fra våre betalingsfiler: bokfør dem på "
                                                   "leverandøren som fikk dem."),
    ("payment P3-1 of ours is paid, not in payment", "Vår betaling P3-1 er ikke til betaling (den er paid)."),
    ("no earlier payment of this amount and KID to take back",
     "En tilbakeføring, men ingen tidligere betaling med dette beløpet og denne KID-en å ta tilbake."),
    ("already taken in as bank payment 17", "Den samme betalingen er lest inn før (bankbetaling 17): ingenting "
                                            "bokføres."),
    ("takes back bank payment 4", "Tar tilbake bankbetaling 4."),
]


@pytest.mark.parametrize(("note", "bokmal"), NOTES)
def test_an_importer_note_reads_in_bokmal(note: str, bokmal: str) -> None:
    assert bank_notes.explain(note, translations("nb")) == bokmal
    assert bank_notes.explain(note, translations("en")) is not None


def test_a_users_own_note_is_left_as_written() -> None:
    assert bank_notes.explain("ringte Per, han betalte for naboen", translations("nb")) is None
    assert bank_notes.explain(None, translations("nb")) is None
