"""The curated value-chain graph: valid (declared endpoints, catalog materials, HS2022 codes
that exist), every edge sourced, the required chains present, and errors that name the entry."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from supplywatch.errors import DataError
from supplywatch.items import loader
from supplywatch.items.valuechain import GRAPH_FILE, load_graph

ROOT = Path(__file__).resolve().parents[2]
KNOWN = {m.material_id for m in loader.load_materials()}


def test_graph_is_valid_and_every_edge_has_a_source() -> None:
    g = load_graph(known_materials=KNOWN)
    with (ROOT / "data" / "bundle" / "hs" / "harmonized-system.csv").open(encoding="utf-8") as fh:
        hs6 = {r["hscode"] for r in csv.DictReader(fh) if r["level"] == "6"}
    for n in g.nodes:
        assert set(n.hs2022) <= hs6, n.node_id
        assert {"en", "ko", "ja"} <= set(n.names), n.node_id
    for e in g.edges:
        assert e.source_url.startswith("http") and e.quote.strip(), (e.from_, e.to)
    assert all(n.node_id in KNOWN for n in g.nodes if n.kind == "material")


@pytest.mark.parametrize(
    ("material", "through", "industry"),
    [
        ("gallium", "gaas_gan_wafers", "telecom_equipment"),
        ("natural_graphite", "anode_material", "battery_cell_manufacturing"),
        ("neodymium", "ndfeb_magnets", "automotive_industry"),
        ("hydrogen_fluoride", "high_purity_hf", "semiconductor_manufacturing"),
    ],
)
def test_the_chains_analysts_asked_for(material: str, through: str, industry: str) -> None:
    reach, edges = load_graph().downstream(material)
    assert reach[0] == material and through in reach and industry in reach
    assert {(e.from_, e.to) for e in edges} >= {(material, reach[1])}


def test_errors_name_the_entry(tmp_path: Path) -> None:
    text = GRAPH_FILE.read_text(encoding="utf-8")
    bad = tmp_path / "g.yaml"
    bad.write_text(
        text.replace("    to: gaas_gan_wafers", "    to: no_such_node", 1), encoding="utf-8"
    )
    with pytest.raises(DataError, match="undeclared node") as e:
        load_graph(bad)
    assert e.value.column == "to" and e.value.value == "no_such_node"
    bad.write_text(text.replace("node_id: gallium", "node_id: galium", 1), encoding="utf-8")
    with pytest.raises(DataError, match="catalog material|undeclared"):
        load_graph(bad, known_materials=KNOWN)
    bad.write_text("version: x\nnodes: [{node_id: a}]\nedges: []\n", encoding="utf-8")
    with pytest.raises(DataError, match="nodes.0"):
        load_graph(bad)
