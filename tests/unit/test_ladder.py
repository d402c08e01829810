"""Ladder file validation and level hysteresis."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from supplywatch.alerts.model import LADDER_FILE, load_ladder
from supplywatch.alerts.scoring import level_of
from supplywatch.errors import DataError

LADDER = load_ladder()
E = [lv.entry for lv in LADDER.levels]
X = [lv.exit for lv in LADDER.levels]


@pytest.mark.parametrize(
    ("score", "previous", "expected"),
    [
        (0.0, 0, 0),
        (E[0], 0, 1),  # entering attention
        (E[1] + 0.1, 0, 2),  # straight to caution
        (E[3], 1, 4),  # jump up several steps
        (E[1] - 0.1, 2, 2),  # below entry but above exit: stays (hysteresis)
        (X[1], 2, 2),  # exactly on the exit threshold: stays
        (X[1] - 0.1, 2, 1),  # below exit: falls to the level the score supports
        (X[3] - 0.1, 4, 3),
        (0.0, 4, 0),  # collapse
    ],
)
def test_level_hysteresis(score: float, previous: int, expected: int) -> None:
    assert level_of(score, previous, LADDER) == expected


def test_levels_are_named_in_korean_and_japanese() -> None:
    assert [lv.ko for lv in LADDER.levels] == ["관심", "주의", "경계", "심각"]
    assert all(lv.ja for lv in LADDER.levels)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["weights"].pop("screens"), "weights must name exactly"),
        (lambda d: d["levels"].reverse(), "entry thresholds must increase"),
        (lambda d: d["levels"][0].update(exit=99.0), "exit above entry"),
        (lambda d: d.update(neutral=2), "neutral"),
        (lambda d: d["model"]["bands"].update(alert=0.05), "bands must increase"),
        (lambda d: d["model"]["bands"].pop("critical"), "bands must name every level"),
        (
            lambda d: d["model"]["production"]["coefficients"].update(supply_measures=-1.0),
            "monotone",
        ),
        (lambda d: d["model"]["fit"].update(fit_end="2000-01-01"), "fit dates must run"),
    ],
)
def test_bad_ladder_is_refused(tmp_path: Path, edit: object, message: str) -> None:
    data = yaml.safe_load(LADDER_FILE.read_text(encoding="utf-8"))
    edit(data)  # type: ignore[operator]
    path = tmp_path / "ladder.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DataError, match=message) as info:
        load_ladder(path)
    assert info.value.file == str(path)
