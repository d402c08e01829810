"""Schemathesis over the OpenAPI: for every operation, generated requests (valid and not)
never get a 5xx and every response matches its declared schema."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from supplywatch.api.app import create_app
from supplywatch.workspace import Workspace
from tests.service.conftest import service_settings

pytestmark = pytest.mark.slow

REQUEST_TIMEOUT_S = 300
#: Operations that run the risk engine (seconds per new parameter set) get fewer examples.
HEAVY = (
    "/api/v1/screen",
    "/api/v1/explain",
    "/api/v1/indicators",
    "/api/v1/admin",
    "/api/v1/plans",
)


@pytest.fixture(scope="module")
def api(store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[object, str]]:
    tmp = tmp_path_factory.mktemp("fuzz")
    store = tmp / "store.duckdb"  # admin/ingest may write: a copy of the session's store
    shutil.copy(store_path, store)
    ws = Workspace(service_settings(store, f"sqlite:///{tmp / 'svc.sqlite'}"))
    ws.create_user(None, "kr_admin", "KR", "admin", "pw-0123456789")
    p = ws.login("kr_admin", "pw-0123456789", "fuzz")[2]
    token = ws.create_token(p, "fuzz")["token"]
    ws.evaluate()
    yield create_app(ws.settings, ws), token
    ws.close()


def test_openapi_documents_every_operation(api: tuple[object, str]) -> None:
    app, _ = api
    doc = app.openapi()  # type: ignore[attr-defined]
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


def test_no_server_errors_and_schema_conformance(api: tuple[object, str]) -> None:
    app, token = api
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = {"Authorization": f"Bearer {token}"}
    failures = []
    for result in schema.get_all_operations():
        op = result.ok()
        n = 3 if op.path.startswith(HEAVY) else 25

        @given(case=op.as_strategy())
        @settings(max_examples=n, deadline=None, suppress_health_check=list(HealthCheck))
        def run(case: schemathesis.Case) -> None:
            case.call_and_validate(
                headers=headers,
                checks=[not_a_server_error, response_schema_conformance],
                # correctness, not speed (benchmarks measure that): a heavy operation on a new
                # date may take longer than schemathesis' 10 s default on a loaded machine
                timeout=REQUEST_TIMEOUT_S,
            )

        try:
            run()
        except Exception as exc:  # noqa: BLE001 - collect every operation's failure
            subs = getattr(exc, "exceptions", [])
            failures.append(f"{op.method.upper()} {op.path}: {exc} {subs}"[:3000])
    assert failures == []
