"""The value-chain exposure graph: material -> intermediate -> product -> industries of Korea
and Japan, curated by hand with a source on every edge (items/data/valuechain.yaml). Loaded
and validated like the catalog: an edge to an undeclared node, a material node that is not a
catalog material, or a malformed HS code is an error naming the file, entry and field."""

from __future__ import annotations

import functools
from collections import deque
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from supplywatch.catalog import yaml_lists
from supplywatch.errors import DataError

GRAPH_FILE = Path(__file__).resolve().parent / "data" / "valuechain.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Node(_Strict):
    node_id: str
    kind: Literal["material", "intermediate", "product", "industry"]
    names: dict[str, str]
    hs2022: list[str] = Field(default_factory=list)
    countries: list[str] = Field(default_factory=list)
    note: str | None = None


class Edge(_Strict):
    from_: str = Field(alias="from")
    to: str
    relation: str
    source_url: str
    source_kind: str
    quote: str = Field(max_length=300)
    note: str | None = None


class Graph(_Strict):
    version: str
    nodes: list[Node]
    edges: list[Edge]

    def node(self, node_id: str) -> Node:
        return {n.node_id: n for n in self.nodes}[node_id]

    def downstream(self, start: str) -> tuple[list[str], list[Edge]]:
        """Every node reachable from ``start`` (breadth first, ``start`` first) and the edges
        among them."""
        out: dict[str, list[Edge]] = {}
        for e in self.edges:
            out.setdefault(e.from_, []).append(e)
        seen, order, used = {start}, [start], []
        queue = deque([start])
        while queue:
            n = queue.popleft()
            for e in out.get(n, []):
                used.append(e)
                if e.to not in seen:
                    seen.add(e.to)
                    order.append(e.to)
                    queue.append(e.to)
        return order, used


def load_graph(path: Path = GRAPH_FILE, known_materials: set[str] | None = None) -> Graph:
    st = path.stat()
    g = _load(path, st.st_mtime_ns, st.st_size)
    ids = [n.node_id for n in g.nodes]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise DataError(str(path), "duplicate node_id", column="node_id", value=dup[0])
    declared = set(ids)
    for k, e in enumerate(g.edges, start=1):
        for end, name in ((e.from_, "from"), (e.to, "to")):
            if end not in declared:
                raise DataError(str(path), f"edge {k}: undeclared node", column=name, value=end)
    for n in g.nodes:
        if (
            n.kind == "material"
            and known_materials is not None
            and n.node_id not in known_materials
        ):
            raise DataError(
                str(path),
                "material node is not a catalog material",
                column="node_id",
                value=n.node_id,
            )
        for c in n.hs2022:
            if len(c) != 6 or not c.isdigit():
                raise DataError(
                    str(path), f"node {n.node_id}: not a 6-digit HS code", column="hs2022", value=c
                )
    return g


@functools.lru_cache(maxsize=4)
def _load(path: Path, _mtime_ns: int, _size: int) -> Graph:
    return yaml_lists.read_document(path, Graph)
