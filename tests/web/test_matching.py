"""Matching (utligning) in the browser: tick open items and match them (two, or more in one transaction),
a part match by amount, suggestions one by one or all at once, undoing a match, and who may do it."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from reskontro.domain.parties import PartyKind
from tests.builders import count, customer, item_open, post, supplier
from tests.conftest import Ctx
from tests.web.conftest import Web

JAN, FEB, MAR = date(2026, 1, 10), date(2026, 2, 10), date(2026, 3, 10)


def matches_in_force(ctx: Ctx) -> int:
    from tests.builders import raw

    return int(raw(ctx, "SELECT count(*) FROM matches m WHERE company_id = :c AND match_kind = 'match' AND NOT "
                        "EXISTS (SELECT 1 FROM matches u WHERE u.company_id = m.company_id "
                        "AND u.undoes_match_id = m.match_id)", c=ctx.company_id).scalar_one())


def test_the_open_items_tab_offers_a_checkbox_per_item_and_matches_two(web: Web, ctx: Ctx) -> None:
    customer(ctx, "10001")
    inv = post(ctx, "invoice", "10001", "1000.00", JAN, document_number="F-1")
    pay = post(ctx, "payment", "10001", "400.00", FEB, document_number="B-1", auto_match=False)
    b = web.sign_in("accountant")
    tab = b.get(web.url("/customer/10001/open-items")).text
    assert f'name="item" value="{inv.item_id}"' in tab and 'data-open="1000.00"' in tab and 'data-open="-400.00"' in tab
    assert 'data-shortcut="m"' in tab and 'name="back" value="open-items"' in tab
    response = b.post(web.url("/customer/10001/matches"), {"item": [str(inv.item_id), str(pay.item_id)],
                                                          "back": "open-items"})
    assert response.status_code == 303
    assert response.headers["location"] == web.url("/customer/10001/open-items?matched=1")
    after = b.get(response.headers["location"]).text
    assert "1 utligning gjort." in after and "600,00" in after
    assert item_open(ctx, inv.item_id) == Decimal("600.00") and item_open(ctx, pay.item_id) == Decimal("0.00")


def test_more_than_two_items_are_matched_oldest_first_in_one_go(web: Web, ctx: Ctx) -> None:
    customer(ctx, "10001")
    f1 = post(ctx, "invoice", "10001", "100.00", JAN, document_number="F-1")
    f2 = post(ctx, "invoice", "10001", "200.00", FEB, document_number="F-2")
    p1 = post(ctx, "payment", "10001", "120.00", FEB, document_number="B-1", auto_match=False)
    p2 = post(ctx, "payment", "10001", "130.00", MAR, document_number="B-2", auto_match=False)
    b = web.sign_in("accountant")
    response = b.post(web.url("/customer/10001/matches"),
                      {"item": [str(i) for i in (p2.item_id, f2.item_id, p1.item_id, f1.item_id)]})
    assert response.status_code == 303 and response.headers["location"].endswith("/matching?matched=3")
    # F-1 takes 100 of B-1; B-1's other 20 and all of B-2 go to F-2, which keeps 50 open.
    assert [item_open(ctx, i.item_id) for i in (f1, f2, p1, p2)] == [Decimal("0.00"), Decimal("50.00"),
                                                                     Decimal("0.00"), Decimal("0.00")]
    page = b.get(response.headers["location"]).text
    assert "3 utligninger gjort." in page and page.count("manuelt") == 3


def test_a_refused_match_of_several_items_matches_none_of_them(web: Web, ctx: Ctx) -> None:
    customer(ctx, "10001")
    f1 = post(ctx, "invoice", "10001", "100.00", JAN, document_number="F-1")
    f2 = post(ctx, "invoice", "10001", "200.00", FEB, document_number="F-2")
    p1 = post(ctx, "payment", "10001", "150.00", FEB, document_number="B-1", auto_match=False)
    b = web.sign_in("accountant")
    before, audit = count(ctx, "matches"), count(ctx, "audit_events")
    ids = [str(i) for i in (f1.item_id, f2.item_id, p1.item_id)]
    # More than these items can settle (150): the first pair would fit, but nothing is written.
    too_much = b.post(web.url("/customer/10001/matches"), {"item": ids, "amount": "151"})
    assert too_much.status_code == 422
    assert "Oppgi et beløp over null som de valgte postene kan gjøre opp" in too_much.text
    ticked = re.findall(r'<input type="checkbox" name="item" value="(\d+)"[^>]* checked', too_much.text)
    assert sorted(ticked) == sorted(ids)  # the ticks are kept
    one_side = b.post(web.url("/customer/10001/matches"), {"item": ids[:2]})
    assert one_side.status_code == 422 and "minst én post på hver side" in one_side.text
    alone = b.post(web.url("/customer/10001/matches"), {"item": ids[:1]})
    assert alone.status_code == 422 and "Velg minst to poster" in alone.text
    assert count(ctx, "matches") == before and count(ctx, "audit_events") == audit
    assert [item_open(ctx, i.item_id) for i in (f1, f2)] == [Decimal("100.00"), Decimal("200.00")]


def test_items_in_different_currencies_are_refused_by_name(web: Web, ctx: Ctx) -> None:
    from reskontro.services.companies import set_rate

    customer(ctx, "10001")
    set_rate(uow=ctx.uow(), company_id=ctx.company_id, currency="EUR", on=JAN, rate=Decimal("11.50"))
    inv = post(ctx, "invoice", "10001", "100.00", JAN, document_number="F-1", currency="EUR")
    pay = post(ctx, "payment", "10001", "100.00", FEB, document_number="B-1", auto_match=False)
    b = web.sign_in("accountant")
    response = b.post(web.url("/customer/10001/matches"), {"item": [str(inv.item_id), str(pay.item_id)]})
    assert response.status_code == 422 and "ulike valutaer" in response.text
    assert count(ctx, "matches") == 0


def test_an_amount_makes_a_part_match(web: Web, ctx: Ctx) -> None:
    customer(ctx, "10001")
    inv = post(ctx, "invoice", "10001", "1000.00", JAN, document_number="F-1")
    pay = post(ctx, "payment", "10001", "800.00", FEB, document_number="B-1", auto_match=False)
    b = web.sign_in("accountant")
    response = b.post(web.url("/customer/10001/matches"), {"item": [str(inv.item_id), str(pay.item_id)],
                                                          "amount": "250,50"})
    assert response.status_code == 303
    assert item_open(ctx, inv.item_id) == Decimal("749.50") and item_open(ctx, pay.item_id) == Decimal("-549.50")


def test_suggestions_are_matched_one_at_a_time_or_all_at_once(web: Web, ctx: Ctx) -> None:
    customer(ctx, "10001")
    f1 = post(ctx, "invoice", "10001", "100.00", JAN, document_number="F-1", kid="0001000108")
    f2 = post(ctx, "invoice", "10001", "300.00", JAN, document_number="F-2")
    f3 = post(ctx, "invoice", "10001", "500.00", JAN, document_number="F-3")
    post(ctx, "payment", "10001", "100.00", FEB, document_number="B-1", kid="0001000108", auto_match=False)
    post(ctx, "payment", "10001", "300.00", FEB, document_number="B-2", auto_match=False)
    post(ctx, "payment", "10001", "50.00", FEB, document_number="B-3", description="F-3 delbetaling",
         auto_match=False)
    b = web.sign_in("accountant")
    page = b.get(web.url("/customer/10001/matching")).text
    assert "Forslag" in page and "Utlign alle 3 forslag" in page
    pairs = re.findall(r'name="pair" value="([^"]+)"', page)
    assert len(pairs) == 6  # three in the "all" form, one in each row's form
    one = b.post(web.url("/customer/10001/matches/suggested"), {"pair": pairs[3], "back": "matching"})
    assert one.status_code == 303 and item_open(ctx, f1.item_id) == Decimal("0.00")
    page = b.get(one.headers["location"]).text
    assert "Utlign alle 2 forslag" in page
    rest = re.findall(r'name="pair" value="([^"]+)"', page)[:2]
    assert b.post(web.url("/customer/10001/matches/suggested"), {"pair": rest}).status_code == 303
    assert [item_open(ctx, i.item_id) for i in (f2, f3)] == [Decimal("0.00"), Decimal("450.00")]
    stale = b.post(web.url("/customer/10001/matches/suggested"), {"pair": rest})
    assert stale.status_code == 422 and "Forslaget passer ikke lenger" in stale.text


def test_a_match_is_undone_from_the_matching_tab_and_from_the_voucher(web: Web, ctx: Ctx) -> None:
    customer(ctx, "10001")
    inv = post(ctx, "invoice", "10001", "1000.00", JAN, document_number="F-1")
    pay = post(ctx, "payment", "10001", "1000.00", FEB, document_number="B-1", applies_to="F-1")
    match_id = pay.matches[0].match_id
    b = web.sign_in("accountant")
    page = b.get(web.url("/customer/10001/matching")).text
    action = web.url(f"/customer/10001/matches/{match_id}/unmatch")
    assert f'action="{action}"' in page and "gjelder" in page
    response = b.post(action, {"back": web.url("/customer/10001/matching?matched=9")})
    assert response.status_code == 303
    assert response.headers["location"] == web.url("/customer/10001/matching?unmatched=1")
    assert item_open(ctx, inv.item_id) == Decimal("1000.00") and matches_in_force(ctx) == 0
    page = b.get(response.headers["location"]).text
    assert "Utligningen er opphevet" in page and "opphevet 30.06.2026" in page and f'action="{action}"' not in page
    again = b.post(action, {})
    assert again.status_code == 422 and "Denne utligningen er allerede opphevet." in again.text
    # Matched again by hand, and undone from the payment's voucher page this time.
    made = b.post(web.url("/customer/10001/matches"), {"item": [str(inv.item_id), str(pay.item_id)]})
    assert made.status_code == 303
    voucher = b.get(web.url("/vouchers/IB2026-1")).text
    second = re.search(r'action="([^"]+/unmatch)"', voucher)
    assert second is not None and "Utligninger" in voucher
    undone = b.post(second.group(1), {"back": web.url("/vouchers/IB2026-1")})
    assert undone.headers["location"] == web.url("/vouchers/IB2026-1?unmatched=1")
    assert "Utligningen er opphevet" in b.get(undone.headers["location"]).text
    assert matches_in_force(ctx) == 0


def test_items_and_matches_of_another_party_are_not_found_here(web: Web, ctx: Ctx) -> None:
    customer(ctx, "10001")
    customer(ctx, "10002")
    mine = post(ctx, "invoice", "10001", "100.00", JAN)
    theirs = post(ctx, "invoice", "10002", "100.00", JAN)
    paid = post(ctx, "payment", "10002", "100.00", FEB)
    b = web.sign_in("accountant")
    assert b.post(web.url("/customer/10001/matches"),
                  {"item": [str(theirs.item_id), str(paid.item_id)]}).status_code == 404
    assert b.post(web.url("/customer/10001/matches"),
                  {"item": [str(mine.item_id), str(paid.item_id)]}).status_code == 404
    assert b.post(web.url(f"/customer/10001/matches/{paid.matches[0].match_id}/unmatch"), {}).status_code == 404
    assert b.post(web.url("/customer/10001/matches"), {"item": ["999999", str(mine.item_id)]}).status_code == 404
    assert matches_in_force(ctx) == 1


def test_a_read_only_user_sees_the_matching_but_no_control(web: Web, ctx: Ctx) -> None:
    supplier(ctx, "50001")
    post(ctx, "invoice", "50001", "100.00", JAN, kind=PartyKind.SUPPLIER, document_number="L-1")
    post(ctx, "payment", "50001", "100.00", FEB, kind=PartyKind.SUPPLIER, document_number="U-1", auto_match=False)
    post(ctx, "invoice", "50001", "70.00", JAN, kind=PartyKind.SUPPLIER, document_number="L-2")
    post(ctx, "payment", "50001", "70.00", FEB, kind=PartyKind.SUPPLIER, applies_to="L-2")
    b = web.sign_in("read_only")
    for tab in ("matching", "open-items"):
        page = b.get(web.url(f"/supplier/50001/{tab}")).text
        main = page[page.index("<main"):page.index("</main>")]
        assert "<form" not in main and 'type="checkbox"' not in main and "data-shortcut=\"m\"" not in main
        assert "L-1" in main
    matching = b.get(web.url("/supplier/50001/matching")).text
    assert "Forslag" in matching and "L-2" in matching  # the suggestion and the match are shown, no button
