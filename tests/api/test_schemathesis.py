"""Property-based run of the whole API against its own OpenAPI document (schemathesis).

Every operation in the document — including routes added later — gets a bounded number of generated
requests, valid by the schema and invalid on purpose, signed in as an accountant of one company that
has a few records (party 10001, voucher SF2026-1...). No answer may be a 5xx, and every answer must be
one the document declares, with the declared content type and body schema. ``/auth/logout`` is left
out: it would revoke the token the run signs in with.

The operations are walked here rather than through schemathesis's pytest plugin, whose lazy
fixture loader does not run on pytest 9.
"""

from __future__ import annotations

import os

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import (  # type: ignore[attr-defined]
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.generation import GenerationMode

from tests.api.conftest import Api

#: Examples per operation and mode; ``API_FUZZ_EXAMPLES=200`` runs a longer search than CI's bounded one.
_N = int(os.environ.get("API_FUZZ_EXAMPLES", "12"))
EXAMPLES = {GenerationMode.POSITIVE: _N, GenerationMode.NEGATIVE: max(_N // 2, 1)}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def test_no_request_makes_the_api_fail_or_break_its_own_document(api: Api) -> None:
    api.customer("10001", org_number="923456783")
    api.supplier("50001")
    api.posting("invoice", "10001", "1250.00", "2026-06-01", document_number="10003", kid="0000100032")
    api.posting("payment", "10001", "250.00", "2026-06-05", auto_match=False)
    api.ok(api.post("/free-fields", {"code": "region", "type": "text"}), 201)
    api.ok(api.post("/saved-queries", {"name": "Overdue west", "report": "aged"}), 201)
    api.ok(api.post("/parties/customer/10001/documents", None,
                    files={"file": ("kontrakt.pdf", b"%PDF-1.4 x", "application/pdf")}), 201)
    api.ok(api.post("/parties/customer/10001/follow-ups", {"title": "Ring"}), 201)
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.app).exclude(path="/auth/logout")
    headers = api.headers("accountant")
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        # The documented examples first (each must be answered as documented), then generated requests.
        strategies = [("examples", strategy, 3) for strategy in schema.get_strategies_from_examples(operation)]
        strategies += [(mode.value, operation.as_strategy(mode), count) for mode, count in EXAMPLES.items()]
        for label, strategy, count in strategies:

            @given(case=strategy)
            @settings(max_examples=count, deadline=None, derandomize=_N <= 12, database=None,
                      suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
            def run(case: schemathesis.Case) -> None:
                case.call_and_validate(headers=headers, checks=CHECKS)

            try:
                run()
            except (Exception, BaseExceptionGroup) as exc:  # collect every failure, then fail once
                failures.append(f"{operation.label} ({label}): {exc}")
    assert operations >= 28
    assert not failures, "\n\n".join(failures)
