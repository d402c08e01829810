"""The notice review queue end to end, on a store whose registry starts empty: an official
notice (MOFCOM/GACC 2023 No. 39, graphite) is submitted by a KR analyst, read by the
extractor, completed and confirmed; the measure enters the registry with the notice as
evidence, and the same call raises the alerts (with webhook deliveries) naming the measure,
its clause and its notice. Tenancy and bad drafts along the way."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from supplywatch.state.models import Alert, AuditEntry, WebhookDelivery
from supplywatch.workspace import Conflict, InputError, NotFound, Workspace
from tests.service.conftest import fresh_database, service_settings

ROOT = Path(__file__).resolve().parents[2]
NOTICE = ROOT / "tests/data/notices/official/CN-2023-039-graphite.zh.official-capture.txt"
URL = "http://exportcontrol.mofcom.gov.cn/article/zcfg/gnzcfg/zcfggzqd/202310/912.html"


@pytest.fixture(scope="module")
def review(
    request: pytest.FixtureRequest, store_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Workspace, dict[str, object]]]:
    tmp = tmp_path_factory.mktemp("review")
    store = tmp / "store.duckdb"
    shutil.copy(store_path, store)
    (tmp / "registry").mkdir()
    ws = Workspace(
        service_settings(
            store,
            fresh_database("sqlite", tmp, request),
            measures_dir=tmp / "registry",
            snapshot_dir=tmp / "snapshots",
        ),
        http_post=lambda *a, **k: None,
    )
    ws.services.ingest(["measures"])  # the registry as it is here: empty
    users = {}
    for org in ("KR", "JP", "JOINT"):
        for role in ("viewer", "analyst", "admin"):
            name = f"{org.lower()}_{role}"
            ws.create_user(None, name, org, role, f"pw-{name}-0123")
            users[(org, role)] = ws.login(name, f"pw-{name}-0123", "t")[2]
    ws.add_webhook(users[("KR", "admin")], "http://127.0.0.1:9/hook", "0123456789abcdef")
    ws.evaluate(trigger="manual")
    yield ws, users
    ws.close()


def test_submit_reads_the_notice_and_drafts_the_entry(review: tuple[Workspace, dict]) -> None:
    ws, u = review
    c = ws.submit_notice(u[("KR", "analyst")], NOTICE.read_text("utf-8"), URL)
    assert c["status"] == "pending" and c["org"] == "KR"
    assert (c["language"], c["issuer"]) == ("zh-Hans", ["MOFCOM", "GACC"])
    d = c["draft"]
    assert d["imposer"] == "CHN" and d["source_url"] == URL and d["targets"] == ["ALL"]
    clause = d["clauses"][0]
    assert clause["measure_type"] == "export_licence"
    assert clause["effective"] == "2023-12-01"
    assert clause["materials"] == ["natural_graphite", "synthetic_graphite"]
    assert {x["code"] for x in clause["codes"]} >= {"2504101000", "3801100030"}
    assert (
        d["quote"].startswith("一、满足以下特性的物项，未经许可，不得出口")
        and len(d["quote"]) <= 300
    )
    # the capture has neither the notice's number nor its date: the draft says so
    assert d["published"] is None
    assert c["problems"] and c["problems"][0]["loc"][:2] == ["draft", "published"]
    # the same text again from KR: a conflict naming the first candidate
    with pytest.raises(Conflict, match=f"candidate {c['id']}"):
        ws.submit_notice(u[("KR", "analyst")], NOTICE.read_text("utf-8"), URL)
    # JP does not see KR's candidate; JOINT does
    with pytest.raises(NotFound):
        ws.candidate(u[("JP", "analyst")], c["id"])
    assert ws.candidate(u[("JOINT", "viewer")], c["id"])["id"] == c["id"]
    assert c["id"] not in [x["id"] for x in ws.candidates(u[("JP", "admin")], None, 50, 0).items]


def test_bad_draft_is_refused_with_its_field_and_nothing_changes(
    review: tuple[Workspace, dict],
) -> None:
    ws, u = review
    c = ws.candidates(u[("KR", "analyst")], "pending", 50, 0).items[0]
    fp = ws.services.store_fingerprint()
    files = sorted((ws.settings.snapshot_dir).rglob("*"))
    draft = dict(ws.candidate(u[("KR", "analyst")], c["id"])["draft"])
    draft["published"] = "2023-10-20"
    draft["clauses"] = [dict(draft["clauses"][0], materials=["unobtainium"])]
    ws.edit_candidate(u[("KR", "analyst")], c["id"], draft)
    with pytest.raises(InputError) as info:
        ws.confirm_candidate(u[("KR", "analyst")], c["id"], None)
    assert info.value.errors[0]["loc"] == ["body", "draft", "clauses", "1", "materials"]
    assert "unknown material" in info.value.errors[0]["msg"]
    assert ws.services.store_fingerprint() == fp
    assert sorted(ws.settings.snapshot_dir.rglob("*")) == files
    assert ws.candidate(u[("KR", "analyst")], c["id"])["status"] == "pending"
    with pytest.raises(NotFound):  # JP may not act on KR's candidate
        ws.confirm_candidate(u[("JP", "analyst")], c["id"], None)


def test_confirm_enters_the_registry_and_raises_alerts_the_same_day(
    review: tuple[Workspace, dict],
) -> None:
    ws, u = review
    kr = u[("KR", "analyst")]
    c = ws.candidates(kr, "pending", 50, 0).items[0]
    draft = dict(ws.candidate(kr, c["id"])["draft"])
    draft["published"] = "2023-10-20"  # from the official page's date line
    draft["legal_reference"] = "MOFCOM/GACC Announcement 2023 No. 39"
    draft["measure_id"] = "CN-MOFCOM-GACC-2023-39"
    draft["clauses"] = [
        dict(draft["clauses"][0], materials=["natural_graphite", "synthetic_graphite"])
    ]
    assert ws.edit_candidate(kr, c["id"], draft)["problems"] == []
    with ws.sessions() as s:
        before = {a.id for a in s.scalars(select(Alert))}
    out = ws.confirm_candidate(kr, c["id"], "checked against the MOFCOM page")
    assert out["status"] == "confirmed" and out["measure_id"] == "CN-MOFCOM-GACC-2023-39"
    assert out["evaluation"]["changes"] >= 1
    # in the registry, with the notice kept beside it
    path = ws.settings.snapshot_dir / "measures" / "CN-MOFCOM-GACC-2023-39.yaml"
    entry = yaml.safe_load(path.read_text("utf-8"))[0]
    assert entry["review"]["candidate_id"] == c["id"]
    assert entry["review"]["confirmed_by_org"] == "KR"
    sha = entry["review"]["notice_sha256"]
    assert (path.parent / "notices" / f"{sha}.txt").read_text("utf-8") == NOTICE.read_text("utf-8")
    # the registry, as known now and not before publication
    m = ws.services.measures(ws.services.today(), measure_id="CN-MOFCOM-GACC-2023-39")[0]
    assert m["is_active"] and m["status_on_date"] == "in force"
    assert "candidate" in (m["review"] or "")
    assert ws.services.measures(__import__("datetime").date(2023, 10, 19)) == []
    # alerts: graphite for Korea (China ships most of its graphite) lifted to >= 경계
    with ws.sessions() as s:
        new = [a for a in s.scalars(select(Alert)) if a.id not in before]
        hooks = s.scalars(select(WebhookDelivery)).all()
        audit = [e.action for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    kor = {a.item_id: a for a in new if a.importer_id == "KOR" and a.status == "new"}
    assert "natural_graphite" in kor and kor["natural_graphite"].level >= 3
    ev = kor["natural_graphite"].evidence["measures"]
    assert ev["floor_level"] == 3 and ev["exposure_share"] >= 0.25
    notice = ev["notices"][0]
    assert notice["measure_id"] == "CN-MOFCOM-GACC-2023-39"
    assert notice["legal_reference"] == "MOFCOM/GACC Announcement 2023 No. 39"
    assert notice["source_url"] == URL
    assert notice["clauses"][0]["clause_id"] == "1"
    assert {h.alert_id for h in hooks} & {a.id for a in new}  # webhooks queued the same call
    assert audit.index("notice.confirmed") < len(audit) - 1
    assert "alert.raised" in audit[audit.index("notice.confirmed") :]
    # done once: a second confirmation is a conflict
    with pytest.raises(Conflict):
        ws.confirm_candidate(kr, c["id"], None)


def test_reject_needs_a_reason_and_viewers_cannot_review(review: tuple[Workspace, dict]) -> None:
    from supplywatch.access import AccessDenied

    ws, u = review
    c = ws.submit_notice(u[("JP", "analyst")], "経済産業省は本日、記者会見を行いました。")
    assert c["measure_type"] == "statement"
    with pytest.raises(AccessDenied):
        ws.reject_candidate(u[("JP", "viewer")], c["id"], "no")
    with pytest.raises(InputError):
        ws.reject_candidate(u[("JP", "analyst")], c["id"], "  ")
    out = ws.reject_candidate(u[("JP", "analyst")], c["id"], "a press conference, not a measure")
    assert out["status"] == "rejected" and out["reviewed_org"] == "JP"
    assert ws.services.measures(ws.services.today(), imposer="JPN") == []
