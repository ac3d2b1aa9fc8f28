"""历史记录 (SPEC §7): snapshots per week, re-runs replace, bad files never crash the run."""

from __future__ import annotations

import sqlite3

import pandas as pd
import pytest

from crm_batch.history import History


def snapshot(grades: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({"customer_id": list(grades), "agent": "李娜", "grade": list(grades.values()),
                         "lifecycle": "意向", "alerts": None, "risk": None})


def fines(*keys: str) -> pd.DataFrame:
    return pd.DataFrame({"key": list(keys), "agent": "李娜", "customer_id": "K1", "rule": "虚假跟进",
                         "amount": 100.0, "offence": 1})


def test_prior_sees_the_latest_earlier_week_and_fines_of_other_weeks(tmp_path):
    warnings = []
    history = History(tmp_path / "h.sqlite", warnings.append)
    assert history.prior("2026-W48").week is None  # a missing file is simply a new history
    history.save("2026-W47", snapshot({"K1": "A", "K2": "B"}), fines("f1"))
    history.save("2026-W48", snapshot({"K1": "B"}), fines("f2"))
    prior = history.prior("2026-W49")
    assert prior.week == "2026-W48" and prior.grades.to_dict() == {"K1": "B"}
    assert sorted(prior.fines["key"]) == ["f1", "f2"]
    rerun = history.prior("2026-W48")  # re-running W48 sees W47, and not its own fines
    assert rerun.week == "2026-W47" and list(rerun.fines["key"]) == ["f1"]
    assert warnings == []


def test_rerunning_a_week_replaces_its_snapshot(tmp_path):
    history = History(tmp_path / "h.sqlite", print)
    history.save("2026-W48", snapshot({"K1": "A"}), fines("f1", "f2"))
    history.save("2026-W48", snapshot({"K1": "C"}), fines("f1"))
    with sqlite3.connect(tmp_path / "h.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM fines").fetchone() == (1,)
        assert db.execute("SELECT grade FROM grades").fetchall() == [("C",)]


def test_a_corrupt_file_is_set_aside_and_history_restarts(tmp_path):
    path = tmp_path / "客户维护历史.sqlite"
    path.write_bytes(b"this is not a database, someone opened it in Excel" * 100)
    warnings = []
    history = History(path, warnings.append)
    assert history.prior("2026-W48").week is None
    assert history.save("2026-W48", snapshot({"K1": "A"}), fines("f1"))
    assert len(warnings) == 1 and "已损坏" in warnings[0]
    kept = [p for p in tmp_path.iterdir() if "损坏" in p.name]
    assert len(kept) == 1 and kept[0].read_bytes().startswith(b"this is not a database")


@pytest.mark.slow
def test_a_locked_file_is_skipped_with_a_warning(tmp_path):
    path = tmp_path / "h.sqlite"
    History(path, print).save("2026-W47", snapshot({"K1": "A"}), fines("f1"))
    blocker = sqlite3.connect(path)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        warnings = []
        history = History(path, warnings.append)
        assert history.prior("2026-W48").week is None
        assert history.save("2026-W48", snapshot({"K1": "B"}), fines("f2")) is False
        assert len(warnings) == 1 and "占用" in warnings[0]
    finally:
        blocker.rollback()
        blocker.close()


def test_history_in_a_folder_that_does_not_exist_yet(tmp_path):
    warnings = []
    history = History(tmp_path / "output" / "h.sqlite", warnings.append)
    assert history.prior("2026-W47").week is None
    assert not (tmp_path / "output").exists(), "reading creates nothing"
    assert history.save("2026-W47", snapshot({"K1": "A"}), fines("f1"))
    assert history.prior("2026-W48").week == "2026-W47" and warnings == []
