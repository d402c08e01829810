"""World Bank Commodity Price Data (The Pink Sheet): monthly nominal prices."""

from __future__ import annotations

from supplywatch.sources.base import CoreStep, FileSpec, SourceSpec, UnitCheck

#: The Pink Sheet is published on the second business day of each month with the previous
#: month's averages. Month M is therefore available from the 5th of month M+1 (conservative).
LAG_SQL = "CAST(period_start_date + INTERVAL 1 MONTH + INTERVAL 4 DAY AS DATE)"

UNITS = (
    "($/mt)",
    "($/kg)",
    "($/bbl)",
    "($/troy oz)",
    "($/dmtu)",
    "($/mmbtu)",
    "($/cubic meter)",
    "(cents/sheet)",
    "(2010=100)",
)

SPEC = SourceSpec(
    name="pinksheet",
    title="World Bank Pink Sheet monthly prices",
    files=(
        FileSpec(
            "pinksheet_monthly_prices_long.csv",
            "raw_pinksheet__monthly_prices",
            {
                "date": "period_start_date",
                "period": "period_code",
                "commodity": "commodity_name_wb",
                "unit": "unit_code",
                "price": "price_nominal",
            },
        ),
    ),
    units=(UnitCheck("raw_pinksheet__monthly_prices", "unit_code", UNITS, "commodity_name_wb"),),
    core=(
        CoreStep(
            "core_pinksheet__monthly_prices",
            f"""
            SELECT commodity_name_wb, period_start_date, price_nominal, unit_code,
                   {LAG_SQL} AS available_date, snapshot_id
            FROM raw_pinksheet__monthly_prices
        """,
        ),
    ),
    lag_rule="Month M is available from the 5th of month M+1 (published on the second business "
    "day of the month after).",
)

#: The description sheet is kept in the bundle for attribution of third-party series; it is
#: a formatted sheet, not a table, and is not loaded.
DESCRIPTION_FILE = "pinksheet_description_sheet.csv"
