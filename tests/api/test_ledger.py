"""Postings, vouchers, reversals, items, matching and match suggestions over the API."""

from __future__ import annotations

from tests.api.conftest import Api


def test_an_invoice_with_lines_vat_and_dimensions_posts_a_balanced_voucher(api: Api) -> None:
    api.customer("10001")
    posted = api.posting("invoice", "10001", "1250.00", "2026-06-01", document_number="10003",
                         kid="0000100032", description="Juni",
                         lines=[{"account": "3000", "amount": "1000.00", "vat_code": "3", "department": "20",
                                 "project": "P1"},
                                {"account": "3100", "amount": "250.00"}])
    assert posted["voucher"] == "SF2026-1" and posted["document_number"] == "10003" and posted["matches"] == []
    voucher = api.ok(api.get(f"/vouchers/{posted['voucher']}"))
    assert voucher["voucher_type"] == "customer_invoice" and voucher["created_by"] == api.users["accountant"]
    lines = [(ln["account"], ln["debit"], ln["credit"], ln["vat_code"], ln["department"], ln["project"])
             for ln in voucher["lines"]]
    assert lines == [("1500", "1250.00", None, None, None, None), ("3000", None, "800.00", "3", "20", "P1"),
                     ("2700", None, "200.00", "3", "20", "P1"), ("3100", None, "250.00", None, None, None)]
    assert voucher["items"][0]["kid"] == "0000100032" and voucher["items"][0]["item_id"] == posted["item_id"]


def test_a_payment_with_the_invoices_kid_is_matched_and_reported(api: Api) -> None:
    api.customer("10001")
    invoice = api.posting("invoice", "10001", "1250.00", "2026-06-01", kid="0000100032")
    payment = api.posting("payment", "10001", "1000.00", "2026-06-10", kid="0000100032")
    assert payment["voucher"] == "IB2026-1"
    [match] = payment["matches"]
    assert (match["debit_item_id"], match["credit_item_id"], match["amount"], match["method"]) == (
        invoice["item_id"], payment["item_id"], "1000.00", "kid")
    open_items = api.ok(api.get("/items", params={"open": "true"}))["items"]
    assert [(i["item_id"], i["open_amount"]) for i in open_items] == [(invoice["item_id"], "250.00")]


def test_foreign_currency_posting_keeps_both_amounts(api: Api) -> None:
    api.supplier("50001", currency="EUR")
    posted = api.posting("invoice", "50001", "800.00", "2026-06-02", kind="supplier", rate="11.5825",
                         document_number="INV-778")
    voucher = api.ok(api.get(f"/vouchers/{posted['voucher']}"))
    control = voucher["lines"][0]
    assert (control["account"], control["currency"], control["currency_amount"], control["credit"]) == (
        "2400", "EUR", "-800.00", "9266.00")
    item = api.ok(api.get("/items", params={"party": "50001"}))["items"][0]
    assert (item["amount"], item["open_amount"], item["currency"]) == ("800.00", "9266.00", "EUR")


def test_amounts_must_be_decimal_strings_and_fit_the_currency(api: Api) -> None:
    api.customer("10001")
    as_number = api.post("/postings", {"kind": "customer", "type": "invoice", "party_number": "10001",
                                       "amount": 1250.5, "date": "2026-06-01"})
    assert as_number.status_code == 422 and as_number.json()["errors"][0]["field"] == "body.amount"
    too_fine = api.post("/postings", {"kind": "customer", "type": "invoice", "party_number": "10001",
                                      "amount": "100.005", "date": "2026-06-01"})
    assert too_fine.status_code == 422 and too_fine.json()["errors"][0]["field"] == "amount"
    line_too_fine = api.post("/postings", {"kind": "customer", "type": "invoice", "party_number": "10001",
                                           "amount": "100.00", "date": "2026-06-01",
                                           "lines": [{"account": "3000", "amount": "99.995"},
                                                     {"account": "3100", "amount": "0.005"}]})
    assert line_too_fine.status_code == 422
    unknown_party = api.post("/postings", {"kind": "customer", "type": "invoice", "party_number": "999",
                                           "amount": "10.00", "date": "2026-06-01"})
    assert unknown_party.status_code in (404, 422) and unknown_party.json()["errors"]


def test_a_voucher_is_reversed_once_and_its_matches_undone(api: Api) -> None:
    api.customer("10001")
    invoice = api.posting("invoice", "10001", "500.00", "2026-05-01", document_number="F1")
    api.posting("payment", "10001", "500.00", "2026-05-05", applies_to="F1")
    reversal = api.ok(api.post(f"/vouchers/{invoice['voucher']}/reverse", {"reason": "Wrong customer"}), 201)
    assert reversal["reverses"] == invoice["voucher"] and len(reversal["unmatched"]) == 1
    original = api.ok(api.get(f"/vouchers/{invoice['voucher']}"))
    assert original["reversed_by"] == reversal["voucher"]
    again = api.post(f"/vouchers/{invoice['voucher']}/reverse", {})
    assert again.status_code == 409 and again.json()["code"] == "already_reversed"
    assert api.get("/vouchers/SF2026-99").status_code == 404
    assert api.get("/vouchers/not-a-ref").status_code == 422


def test_items_are_matched_by_hand_partly_and_unmatched(api: Api) -> None:
    api.customer("10001")
    invoice = api.posting("invoice", "10001", "1000.00", "2026-06-01")
    payment = api.posting("payment", "10001", "700.00", "2026-06-05", auto_match=False)
    match = api.ok(api.post("/matches", {"item_a": invoice["item_id"], "item_b": payment["item_id"],
                                         "amount": "400.00"}), 201)
    assert (match["amount"], match["method"]) == ("400.00", "manual")
    over = api.post("/matches", {"item_a": invoice["item_id"], "item_b": payment["item_id"], "amount": "400.00"})
    assert over.status_code == 422 and over.json()["code"] == "over_allocation"
    undone = api.ok(api.post(f"/matches/{match['match_id']}/unmatch"), 201)
    assert undone["match_id"] == match["match_id"] and undone["unmatch_id"] != match["match_id"]
    twice = api.post(f"/matches/{match['match_id']}/unmatch")
    assert twice.status_code == 409
    assert api.post("/matches/987654321/unmatch").status_code == 404
    assert api.post("/matches", {"item_a": invoice["item_id"], "item_b": 987654321}).status_code == 404


def test_match_suggestions_propose_pairs_by_kid_text_and_amount(api: Api) -> None:
    api.customer("10001")
    by_kid = api.posting("invoice", "10001", "100.00", "2026-06-01", kid="0000100032", document_number="F1")
    by_text = api.posting("invoice", "10001", "200.00", "2026-06-02", document_number="F2")
    by_amount = api.posting("invoice", "10001", "333.00", "2026-06-03", document_number="F3")
    p1 = api.posting("payment", "10001", "100.00", "2026-06-10", kid="0000100032", auto_match=False)
    p2 = api.posting("payment", "10001", "150.00", "2026-06-11", description="Betaling faktura F2",
                     auto_match=False)
    p3 = api.posting("payment", "10001", "333.00", "2026-06-12", auto_match=False)
    suggestions = api.ok(api.get("/parties/customer/10001/match-suggestions"))
    got = [(s["settling_item_id"], s["target_item_id"], s["method"], s["amount"]) for s in suggestions]
    assert got == [(p1["item_id"], by_kid["item_id"], "kid", "100.00"),
                   (p2["item_id"], by_text["item_id"], "text", "150.00"),
                   (p3["item_id"], by_amount["item_id"], "amount", "333.00")]
    assert suggestions[0]["debit_item_id"] == by_kid["item_id"]
    # Nothing was written: accepting a suggestion is a match.
    assert len(api.ok(api.get("/items", params={"open": "true"}))["items"]) == 6
    s = suggestions[1]
    api.ok(api.post("/matches", {"item_a": s["debit_item_id"], "item_b": s["credit_item_id"],
                                 "amount": s["amount"]}), 201)
    left = api.ok(api.get("/parties/customer/10001/match-suggestions"))
    assert [x["method"] for x in left] == ["kid", "amount"]


def test_vouchers_and_items_are_listed_in_posting_order_with_filters(api: Api) -> None:
    api.customer("10001")
    api.supplier("50001")
    api.posting("invoice", "10001", "100.00", "2026-01-10")
    api.posting("invoice", "50001", "200.00", "2026-02-10", kind="supplier")
    api.posting("payment", "10001", "100.00", "2026-03-10")
    assert [v["voucher"] for v in api.ok(api.get("/vouchers"))["items"]] == ["SF2026-1", "LF2026-1", "IB2026-1"]
    assert [v["voucher"] for v in api.ok(api.get("/vouchers", params={"series": "LF"}))["items"]] == ["LF2026-1"]
    assert [v["voucher"] for v in api.ok(api.get("/vouchers", params={"from": "2026-02-01", "to": "2026-02-28"}
                                                 ))["items"]] == ["LF2026-1"]
    assert [i["type"] for i in api.ok(api.get("/items", params={"kind": "customer"}))["items"]] == [
        "invoice", "payment"]
    assert api.ok(api.get("/items", params={"open": "true"}))["items"][0]["party_number"] == "50001"
