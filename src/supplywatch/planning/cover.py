"""Days of cover: (national + private + in-transit stock) / daily consumption, per item.

Pure functions over plain records, so the service, the planner and the tests share one
definition. Consumption is what the organisation entered or, where it entered none, apparent
consumption from the bundled data (production + imports - exports, latest year known on the
date). Anything unknown is ``None`` ("no data"), never zero.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

K = TypeVar("K")
HOLDERS = ("national", "private", "in_transit")
DAYS_PER_YEAR = 365.0


@dataclass(frozen=True)
class StockRecord:
    org: str
    item_id: str
    holder: str
    quantity_t: float
    as_of_date: date
    entered_at: datetime


@dataclass(frozen=True)
class Cover:
    item_id: str
    stock_t: float | None
    by_holder_t: dict[str, float]
    consumption_t_per_year: float | None
    consumption_basis: str | None  # "entered" | "apparent YYYY" | None
    cover_days: float | None
    target_days: float | None
    target_basis: str | None
    gap_days: float | None  # target - cover (positive: short of the target)
    orgs: tuple[str, ...]


def latest_known(entries: Iterable[tuple[K, date, datetime, float]], when: date) -> dict[K, float]:
    """Per key: the latest value known on ``when`` from (key, as-of date, entered at, value)
    entries: both dates on or before it; for the same as-of date a later entry replaces an
    earlier one. Stock levels and entered consumption both follow this rule."""
    best: dict[K, tuple[date, datetime, float]] = {}
    for key, as_of, entered_at, value in entries:
        if as_of > when or entered_at.date() > when:
            continue
        if key not in best or (as_of, entered_at) > best[key][:2]:
            best[key] = (as_of, entered_at, value)
    return {k: v[2] for k, v in best.items()}


def latest_stocks(records: Iterable[StockRecord], when: date) -> dict[tuple[str, str, str], float]:
    """Per (org, item, holder): the latest level known on ``when`` (see ``latest_known``)."""
    return latest_known(
        (((r.org, r.item_id, r.holder), r.as_of_date, r.entered_at, r.quantity_t) for r in records),
        when,
    )


def days_of_cover(stock_t: float | None, consumption_t_per_year: float | None) -> float | None:
    if stock_t is None or consumption_t_per_year is None or consumption_t_per_year <= 0:
        return None
    return stock_t / (consumption_t_per_year / DAYS_PER_YEAR)


def cover_for(
    item_id: str,
    levels: dict[tuple[str, str, str], float],
    orgs: tuple[str, ...],
    consumption: tuple[float | None, str | None],
    target: tuple[float | None, str | None],
) -> Cover:
    """Cover of ``item_id`` from the stocks of ``orgs`` (one org, or the bloc's three)."""
    by_holder: dict[str, float] = {}
    contributing: set[str] = set()
    for (org, item, holder), q in levels.items():
        if item == item_id and org in orgs:
            by_holder[holder] = by_holder.get(holder, 0.0) + q
            contributing.add(org)
    stock = sum(by_holder.values()) if by_holder else None
    cons, basis = consumption
    cov = days_of_cover(stock, cons)
    tdays, tbasis = target
    return Cover(
        item_id=item_id,
        stock_t=stock,
        by_holder_t=by_holder,
        consumption_t_per_year=cons,
        consumption_basis=basis if cons is not None else None,
        cover_days=cov,
        target_days=tdays,
        target_basis=tbasis,
        gap_days=None if cov is None or tdays is None else tdays - cov,
        orgs=tuple(sorted(contributing)),
    )
