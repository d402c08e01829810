"""Schemathesis over the OpenAPI as a gate (issue #13): every operation, as users of each
organisation and role, with valid and invalid generated requests (fixed seed, bounded
examples), then the stateful run along the links schemathesis infers. The gate: no 5xx, every
response matches its declared schema, no invalid input accepted, and no response to a JP user
carries Korea's confidential rows. The counts are written to the JSON named by
``SUPPLYWATCH_FUZZ_REPORT`` (docs/benchmarks.md records them)."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    response_schema_conformance,
)

from supplywatch.api.app import create_app
from supplywatch.workspace import Workspace
from tests.service.conftest import service_settings

pytestmark = pytest.mark.slow

REQUEST_TIMEOUT_S = 300
SEED = 20261129
#: Operations that run the risk engine (seconds per new parameter set) get fewer examples.
HEAVY = (
    "/api/v1/screen",
    "/api/v1/explain",
    "/api/v1/indicators",
    "/api/v1/admin",
    "/api/v1/plans",
    "/api/v1/backtest",
    "/api/v1/briefings",
)
#: Who the generated requests act as: every organisation, each role once.
ACTORS = (("KR", "admin"), ("JP", "analyst"), ("JOINT", "viewer"))
#: Korea's confidential stock, entered below: a JP user must never see this figure.
KR_TONNES = 4321.987


def _as_json_text(response: Any) -> str:
    """The body as compact JSON text: a list exported as CSV or xlsx (``format=``) is read
    back into records first, so the same leak checks apply to every format."""
    kind = response.headers.get("content-type") or ""
    if isinstance(kind, list):  # schemathesis keeps every value of a header
        kind = kind[0] if kind else ""
    if kind.startswith("text/csv"):
        rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
        return json.dumps(rows, separators=(",", ":"), ensure_ascii=False)
    if kind.startswith("application/vnd.openxmlformats"):
        from openpyxl import load_workbook

        wb = load_workbook(io.BytesIO(response.content), read_only=True)
        data = list(wb["data"].iter_rows(values_only=True))
        about = list(wb["about"].iter_rows(values_only=True))
        rows = [dict(zip(data[0], r, strict=False)) for r in data[1:]] if data else []
        return json.dumps({"items": rows, "about": about}, separators=(",", ":"), default=str)
    return str(response.text).replace(" ", "")


def _kr_rows_in(path: str, body: str) -> bool:
    """Whether a response body carries Korea's confidential rows: its stock figure anywhere,
    its alerts in the alert lists, its entries in the stock lists and the audit log."""
    if str(KR_TONNES) in body:
        return True
    if path.startswith("/api/v1/alerts") and '"importer_id":"KOR"' in body:
        return True
    return path.startswith(("/api/v1/stocks", "/api/v1/audit")) and '"org":"KR"' in body


@pytest.fixture(scope="module")
def api(
    store_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Any, dict[tuple[str, str], str]]]:
    tmp = tmp_path_factory.mktemp("fuzz")
    store = tmp / "store.duckdb"  # admin/ingest may write: a copy of the session's store
    shutil.copy(store_path, store)
    ws = Workspace(service_settings(store, f"sqlite:///{tmp / 'svc.sqlite'}"))
    tokens = {}
    for org, role in ACTORS:
        name = f"{org.lower()}_{role}"
        ws.create_user(None, name, org, role, "pw-0123456789")
        p = ws.login(name, "pw-0123456789", "fuzz")[2]
        tokens[(org, role)] = ws.create_token(p, "fuzz")["token"]
    kr = ws.login("kr_admin", "pw-0123456789", "fuzz")[2]
    ws.add_stocks(  # Korea's confidential figures that a JP user must never get back
        kr,
        [
            {
                "item_id": "gallium",
                "holder": "national",
                "quantity_t": KR_TONNES,
                "as_of_date": "2026-11-01",
            }
        ],
    )
    ws.evaluate()
    yield create_app(ws.settings, ws), tokens
    ws.close()


def test_openapi_documents_every_operation(api: tuple[Any, dict[tuple[str, str], str]]) -> None:
    app, _ = api
    doc = app.openapi()
    ops = [(m, p, o) for p, item in doc["paths"].items() for m, o in item.items()]
    assert len(ops) >= 30
    for m, p, o in ops:
        assert o.get("summary") or o.get("description"), (m, p)
        assert "200" in o["responses"] or "201" in o["responses"] or "204" in o["responses"]
    screen = doc["components"]["schemas"]["ScreenRow"]["properties"]
    assert screen["level_ko"]["examples"] == ["심각"]
    # response fields come from the table declarations, with their units
    assert "Unit: points 0-100." in screen["score_points"]["description"]
    dep = doc["components"]["schemas"]["DependenceRow"]["properties"]
    assert dep["import_value_kusd"]["description"] == "Imports of the item. Unit: kUSD."


def test_fuzz_gate(api: tuple[Any, dict[tuple[str, str], str]]) -> None:
    app, tokens = api
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    counts: Counter[str] = Counter()
    failures: list[str] = []
    for result in schema.get_all_operations():
        op = result.ok()
        heavy = op.path.startswith(HEAVY)
        for (org, role), token in tokens.items():
            headers = {"Authorization": f"Bearer {token}"}
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                n = (1 if heavy else 4) if mode == GenerationMode.NEGATIVE else (2 if heavy else 6)
                run = _runner(op, mode, n, org, headers, counts)
                try:
                    run()
                except Unsatisfiable:  # nothing invalid to send (no parameters, no body)
                    counts["negative_not_applicable"] += 1
                except Exception as exc:  # noqa: BLE001 - collect every operation's failure
                    subs = getattr(exc, "exceptions", [])
                    failures.append(
                        f"{org}/{role} {mode.value} {op.method.upper()} {op.path}: {exc} {subs}"[
                            :2000
                        ]
                    )
    report: dict[str, Any] = dict(counts)
    report["failures"] = failures
    out = os.environ.get("SUPPLYWATCH_FUZZ_REPORT")
    if out:
        Path(out).write_text(json.dumps(report, indent=2, sort_keys=True), encoding="utf-8")
    assert failures == []
    assert counts["server_errors"] == 0 and counts["cross_tenant_leaks"] == 0
    assert counts["bad_inputs_accepted"] == 0
    assert counts["cases"] > 300 and counts["bad_inputs_tried"] > 50


def _runner(
    op: Any, mode: Any, n: int, org: str, headers: dict[str, str], counts: Counter[str]
) -> Any:
    """One operation, one actor, one generation mode: a seeded Hypothesis test."""

    @seed(SEED)
    @given(case=op.as_strategy(generation_mode=mode))
    @settings(
        max_examples=n,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case) -> None:
        response = case.call(headers=headers, timeout=REQUEST_TIMEOUT_S)
        counts["cases"] += 1
        counts[f"cases_{mode.value}"] += 1
        if response.status_code >= 500:
            counts["server_errors"] += 1
        if mode == GenerationMode.NEGATIVE:
            counts["bad_inputs_tried"] += 1
            try:  # schemathesis' own check: invalid data must be refused
                case.validate_response(response, checks=[negative_data_rejection])
            except Exception:
                if 200 <= response.status_code < 300:
                    counts["bad_inputs_accepted"] += 1
                raise
        if org == "JP":
            counts["cross_tenant_attempts"] += 1
            body = _as_json_text(response)
            if 200 <= response.status_code < 300 and _kr_rows_in(case.path, body):
                counts["cross_tenant_leaks"] += 1
                raise AssertionError(f"KR rows to a JP user: {case.as_curl_command()}")
        if mode == GenerationMode.POSITIVE:
            case.validate_response(
                response, checks=[not_a_server_error, response_schema_conformance]
            )
        elif response.status_code >= 500:
            raise AssertionError(f"5xx on invalid input: {case.as_curl_command()}")

    return run


def test_stateful_links(api: tuple[Any, dict[tuple[str, str], str]]) -> None:
    """Sequences along the links schemathesis infers from the schema (a created stock, plan,
    webhook or candidate read, changed or deleted next), as a KR admin: no 5xx, responses
    conform."""
    from hypothesis.stateful import run_state_machine_as_test

    app, tokens = api
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    machine = schema.as_state_machine()
    headers = {"Authorization": f"Bearer {tokens[('KR', 'admin')]}"}
    steps: Counter[str] = Counter()

    class Machine(machine):  # type: ignore[misc, valid-type]
        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            return {"headers": headers, "timeout": REQUEST_TIMEOUT_S}

        def validate_response(self, response: Any, case: schemathesis.Case, **kw: Any) -> None:
            steps["calls"] += 1
            steps[f"{case.method} {case.path}"] += 1
            case.validate_response(
                response, checks=[not_a_server_error, response_schema_conformance]
            )

    run_state_machine_as_test(
        Machine,
        settings=settings(
            # one long deterministic sequence: a second example would be drawn from the
            # first one's choices while the service's state has moved on (Hypothesis calls
            # that a flaky strategy), so the coverage comes from the sequence's length
            max_examples=1,
            stateful_step_count=60,
            deadline=None,
            derandomize=True,
            database=None,
            phases=(Phase.explicit, Phase.generate),
            suppress_health_check=list(HealthCheck),
        ),
    )
    assert steps["calls"] > 0
    out = os.environ.get("SUPPLYWATCH_FUZZ_REPORT")
    if out and Path(out).exists():
        report = json.loads(Path(out).read_text(encoding="utf-8"))
        report["stateful_calls"] = steps["calls"]
        report["stateful_operations"] = len(steps) - 1
        Path(out).write_text(json.dumps(report, indent=2, sort_keys=True), encoding="utf-8")
