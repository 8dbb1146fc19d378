"""The dashboard page: totals, the aging chart, the most overdue, recent activity — in both languages."""

from __future__ import annotations

import re
from datetime import date

from reskontro.domain.parties import PartyKind
from tests.builders import customer, post, supplier
from tests.conftest import Ctx
from tests.web.conftest import Web


def test_the_dashboard_shows_receivables_payables_aging_and_the_most_overdue(web: Web, ctx: Ctx) -> None:
    customer(ctx, "10001", name="Treg Betaler AS")
    customer(ctx, "10002", name="Ny Kunde AS")
    supplier(ctx, "50001", name="Leverandør AS")
    post(ctx, "invoice", "10001", "1234.50", date(2026, 3, 1))  # due 2026-03-15: 107 days late on 2026-06-30
    post(ctx, "invoice", "10002", "1000.00", date(2026, 6, 28))  # not due
    post(ctx, "invoice", "50001", "300.00", date(2026, 5, 1), kind=PartyKind.SUPPLIER)  # due 2026-05-31: 30 days
    b = web.sign_in("read_only")
    page = b.get(web.url("/")).text
    assert "2\u00a0234,50" in page  # receivables
    assert "300,00" in page  # payables
    assert "30.06.2026" in page
    assert re.search(r"Over 90 dager</th>\s*<td class=\"bar-col\"><svg[^>]*><rect[^>]*width=\"100.0\"", page)
    assert f'href="/c/{web.cid}/customer/10001/open-items">10001</a>' in page
    assert "Treg Betaler AS" in page and ">107<" in page
    assert "Ny Kunde AS" not in page.split("Kunder med mest forfalt")[1].split("</section>")[0]
    assert "Siste endringer" in page and "kort opprettet" in page
    assert "Varsler" in page
    b.post("/lang", {"lang": "en", "next": "/"})
    english = b.get(web.url("/")).text
    assert "2,234.50" in english and "Receivables" in english and "Most overdue customers" in english


def test_an_empty_company_has_clear_empty_states(web: Web) -> None:
    page = web.sign_in("accountant").get(web.url("/")).text
    assert "Ingen kunder har forfalte poster." in page
    assert "Ingenting er forfalt til leverandører." in page
    assert page.count('width="0"') == 10  # ten empty bars
