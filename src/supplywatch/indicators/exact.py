"""Order-independent sums.

A floating-point sum depends on the order its terms arrive in, and that order changes with
the way a table was written (inside a load's transaction or after it commits), with threads,
and between engines. The out layer must be reproducible, so the indicators add in DECIMAL:
each term is rounded once (a deterministic step), the sum is exact, and the result is turned
back into a double. Trade values and tonnes keep 6 decimals (0.001 USD, 1 g); shares and their
squares keep 15.
"""

from __future__ import annotations

import ibis.expr.datatypes as dt
import ibis.expr.types as ir

#: Decimals kept for amounts (thousand USD, tonnes, production) and for shares (0..1).
AMOUNT = 6
SHARE = 15


def xsum(
    x: ir.NumericValue, scale: int = AMOUNT, where: ir.BooleanValue | None = None
) -> ir.FloatingScalar:
    """The exact sum of ``x`` (each term rounded to ``scale`` decimals), as a double."""
    total: ir.FloatingScalar = x.cast(dt.Decimal(38, scale)).sum(where=where).cast("float64")
    return total
