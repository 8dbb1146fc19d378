"""CSV/XLSX imports over the API, saved queries, and the audit trail."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from openpyxl import Workbook

from tests.api.conftest import Api, new_user

PARTIES = (
    "number,kind,name,org_number,email,language,currency,payment_terms_days,credit_limit,address,postal_code,city,"
    "country\n"
    "100001,customer,Kunde En AS,923456783,a@kunde.no,nb,NOK,14,50000,Gate 1,0150,Oslo,NO\n"
    "500001,supplier,Lev AS,812345672,post@lev.no,nb,NOK,30,,Vei 3,7010,Trondheim,NO\n"
)
TRANSACTIONS = (
    "party_number,kind,type,document_number,date,due_date,amount,currency,kid,description,applies_to\n"
    "100001,customer,invoice,F1,2026-01-10,2026-01-24,1000.00,NOK,0001000108,Faktura 1,\n"
    "100001,customer,payment,P1,2026-01-20,,400.00,NOK,0001000108,,\n"
    "500001,supplier,invoice,L1,2026-01-05,2026-02-04,8000.00,NOK,,,\n"
)


def upload(api: Api, kind: str, name: str, content: bytes, role: str = "accountant"):  # type: ignore[no-untyped-def]
    return api.post(f"/imports/{kind}", None, role=role, files={"file": (name, content, "text/csv")})


def test_parties_and_transactions_are_imported_from_csv_and_again_adds_nothing(api: Api) -> None:
    assert api.ok(upload(api, "parties", "parties.csv", PARTIES.encode())) == {
        "rows": 2, "created": 2, "updated": 0, "skipped": 0, "matches": 0}
    summary = api.ok(upload(api, "transactions", "tx.csv", TRANSACTIONS.encode()))
    assert (summary["rows"], summary["created"], summary["matches"]) == (3, 3, 1)
    again = api.ok(upload(api, "transactions", "tx.csv", TRANSACTIONS.encode()))
    assert (again["created"], again["skipped"]) == (0, 3)
    assert api.ok(api.get("/parties/customer/100001"))["balance"] == "600.00"


def test_an_xlsx_file_imports_like_csv(api: Api) -> None:
    book = Workbook()
    sheet = book.active
    for line in PARTIES.strip().splitlines():
        sheet.append(line.split(","))
    buffer = io.BytesIO()
    book.save(buffer)
    response = api.post("/imports/parties", None, files={"file": ("parties.xlsx", buffer.getvalue(),
                                                                   "application/vnd.openxmlformats-officedocument"
                                                                   ".spreadsheetml.sheet")})
    assert api.ok(response)["created"] == 2


def test_a_file_with_bad_rows_imports_nothing_and_names_every_row(api: Api) -> None:
    bad = PARTIES + "100003,customer,,923456784,not-an-email,nb,NOK,14,,,,,NO\n100004,client,X AS,,,,,,,,,,\n"
    response = upload(api, "parties", "bad.csv", bad.encode())
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "import_failed"
    assert {e["row"] for e in problem["errors"]} == {4, 5}
    assert all(e["message"] for e in problem["errors"])
    assert api.ok(api.get("/parties"))["items"] == []


def test_saved_queries_are_personal_unless_shared(api: Api) -> None:
    body = {"name": "Overdue west", "report": "open-items",
            "parameters": {"kind": "customer", "overdue_only": "yes"}, "shared": True}
    saved = api.ok(api.post("/saved-queries", body), 201)
    assert (saved["owner"], saved["parameters"], saved["shared"]) == (api.users["accountant"], body["parameters"],
                                                                     True)
    api.ok(api.post("/saved-queries", {"name": "Mine", "report": "aged"}), 201)
    mine = [q["name"] for q in api.ok(api.get("/saved-queries"))]
    assert mine == ["Mine", "Overdue west"]
    theirs = [q["name"] for q in api.ok(api.get("/saved-queries", role="admin"))]
    assert theirs == ["Overdue west"]
    assert api.ok(api.get("/saved-queries/Overdue west", role="admin"))["owner"] == api.users["accountant"]
    assert api.delete("/saved-queries/Overdue west", role="admin").status_code == 403
    assert api.get("/saved-queries/Mine", role="admin").status_code == 404
    assert api.delete("/saved-queries/Overdue west").status_code == 204
    assert api.get("/saved-queries/Overdue west").status_code == 404
    bad = api.post("/saved-queries", {"name": "x", "report": "Not A Report"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body.report"


def test_the_audit_trail_names_the_signed_in_user_and_filters(api: Api) -> None:
    start = datetime.now(UTC) - timedelta(seconds=1)
    api.customer("10001")
    other, token = new_user(api.ctx, api.cid, "admin")
    api.client.patch(api.url("/parties/customer/10001"), json={"city": "Bergen"},
                     headers={"Authorization": f"Bearer {token}"})
    events = api.ok(api.get("/audit", params={"entity": "party", "limit": 500}))["items"]
    assert {e["actor"] for e in events} == {api.users["accountant"], other}
    by_other = api.ok(api.get("/audit", params={"actor": other, "entity": "party"}))["items"]
    assert [(e["action"], e["field"], e["new_value"]) for e in by_other] == [("update", "city", "Bergen")]
    party_id = by_other[0]["entity_id"]
    assert all(e["entity_id"] == party_id for e in
               api.ok(api.get("/audit", params={"entity": "party", "entity_id": party_id}))["items"])
    since = api.ok(api.get("/audit", params={"since": start.isoformat(), "limit": 500}))["items"]
    assert since and all(datetime.fromisoformat(e["at"]) >= start for e in since)
    future = (datetime.now(UTC) + timedelta(days=1)).replace(tzinfo=None).isoformat()
    assert api.ok(api.get("/audit", params={"since": future}))["items"] == []
    assert api.ok(api.get("/audit", params={"until": start.isoformat(), "entity": "party"}))["items"] == []
