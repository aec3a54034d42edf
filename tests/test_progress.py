"""Does the progress store keep every attempt, under concurrency, damage and round trips?"""

from __future__ import annotations

import json
import multiprocessing
import sqlite3

import pytest

from pmtech.progress import (
    Attempt,
    ProgressStore,
    StoreError,
    StoreRecoveredWarning,
)


def attempt(i=0, learner="ana", **kw):
    base = dict(
        learner=learner,
        question_id=f"web-1-q{i}",
        topic="web",
        level=1,
        outcome="correct",
        answer={"choice": i},
        hints_used=0,
        source="quiz",
    )
    base.update(kw)
    return Attempt(**base)


def test_default_location_follows_pmtech_home(private_home):
    store = ProgressStore()
    assert store.path == private_home / "progress.db"
    assert store.path.exists()


def test_record_and_read_back_every_field(tmp_path):
    store = ProgressStore(tmp_path / "p.db")
    a = attempt(
        3, outcome="incorrect", hints_used=2, source="diagnostic", retry=True, answer=[2, 0, 1]
    )
    store.record(a)
    (b,) = ProgressStore(tmp_path / "p.db").attempts()
    assert b == a


def test_attempts_survive_reopen_and_filter(tmp_path):
    path = tmp_path / "p.db"
    store = ProgressStore(path)
    for i in range(3):
        store.record(attempt(i))
    store.record(attempt(9, learner="ben"))
    again = ProgressStore(path)
    assert len(again.attempts()) == 4
    assert [a.question_id for a in again.attempts("ana")] == ["web-1-q0", "web-1-q1", "web-1-q2"]
    assert again.latest("ana", "web-1-q1").answer == {"choice": 1}
    assert again.latest("ana", "web-1-q9") is None
    assert again.learners() == ["ana", "ben"]


def test_store_rejects_impossible_rows(tmp_path):
    store = ProgressStore(tmp_path / "p.db")
    with pytest.raises(StoreError):
        store.record(attempt(outcome="great"))
    with pytest.raises(StoreError):
        store.record(attempt(level=6))
    assert store.attempts() == []


def _writer(path, learner, n, barrier):
    store = ProgressStore(path)
    barrier.wait()
    for i in range(n):
        store.record(attempt(i, learner=learner))


def test_two_processes_writing_500_each_lose_nothing(tmp_path):
    """Two kernels answering at once: are all 1,000 rows there afterwards?"""
    path = tmp_path / "p.db"
    ProgressStore(path)
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    procs = [ctx.Process(target=_writer, args=(path, name, 500, barrier)) for name in "xy"]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    store = ProgressStore(path)
    assert len(store.attempts("x")) == 500
    assert len(store.attempts("y")) == 500
    assert len({a.uuid for a in store.attempts()}) == 1000


def test_garbage_file_is_moved_aside_and_fresh_store_started(tmp_path):
    path = tmp_path / "progress.db"
    path.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.warns(StoreRecoveredWarning, match="kept as"):
        store = ProgressStore(path)
    assert store.recovered_from is not None
    assert store.recovered_from.read_bytes() == b"this is not sqlite at all" * 100
    store.record(attempt())
    assert len(store.attempts()) == 1


def test_truncated_store_is_recovered_and_kept(tmp_path):
    path = tmp_path / "progress.db"
    store = ProgressStore(path)
    for i in range(200):
        store.record(attempt(i, answer="x" * 200))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    for side in ("-wal", "-shm"):
        (tmp_path / f"progress.db{side}").unlink(missing_ok=True)
    with pytest.warns(StoreRecoveredWarning):
        fresh = ProgressStore(path)
    assert fresh.attempts() == []
    assert fresh.recovered_from.stat().st_size == len(data) // 2


def test_foreign_sqlite_file_is_not_touched_in_place(tmp_path):
    path = tmp_path / "progress.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE recipes (name TEXT)")
    conn.commit()
    conn.close()
    with pytest.warns(StoreRecoveredWarning, match="not a pmtech progress store"):
        store = ProgressStore(path)
    kept = sqlite3.connect(store.recovered_from)
    assert kept.execute("SELECT name FROM sqlite_master").fetchone() == ("recipes",)


def test_newer_schema_is_refused_not_moved(tmp_path):
    path = tmp_path / "progress.db"
    ProgressStore(path)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer pmtech"):
        ProgressStore(path)
    assert path.exists()


def test_export_import_round_trip_is_idempotent(tmp_path):
    src = ProgressStore(tmp_path / "a.db")
    for i in range(5):
        src.record(attempt(i))
    src.record(attempt(0, learner="other"))
    out = tmp_path / "ana.json"
    assert src.export_json(out, learner="ana") == 5
    dst = ProgressStore(tmp_path / "b.db")
    first = dst.import_json(out)
    second = dst.import_json(out)
    assert (first.added, first.skipped) == (5, 0)
    assert (second.added, second.skipped) == (0, 5)
    assert dst.attempts() == src.attempts("ana")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not valid JSON"),
        ('{"format": "other"}', "not a pmtech attempts export"),
        ('{"format": "pmtech-attempts", "version": 99, "attempts": []}', "export version 99"),
        ('{"format": "pmtech-attempts", "version": 1, "attempts": {}}', "must be a list"),
    ],
)
def test_bad_import_files_are_refused_clearly(tmp_path, content, message):
    path = tmp_path / "in.json"
    path.write_text(content)
    with pytest.raises(StoreError, match=message):
        ProgressStore(tmp_path / "p.db").import_json(path)


def test_bad_entry_names_its_field_and_writes_nothing(tmp_path):
    good = attempt(1).to_json()
    bad = dict(attempt(2).to_json(), outcome="brilliant")
    path = tmp_path / "in.json"
    path.write_text(
        json.dumps({"format": "pmtech-attempts", "version": 1, "attempts": [good, bad]})
    )
    store = ProgressStore(tmp_path / "p.db")
    with pytest.raises(StoreError, match="attempt 2: field 'outcome'"):
        store.import_json(path)
    assert store.attempts() == []


SCHEMA_1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE attempts (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    learner TEXT NOT NULL,
    question_id TEXT NOT NULL,
    topic TEXT NOT NULL,
    level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    outcome TEXT NOT NULL CHECK (outcome IN ('not_attempted', 'incorrect', 'correct')),
    answer TEXT NOT NULL,
    hints_used INTEGER NOT NULL DEFAULT 0 CHECK (hints_used >= 0),
    source TEXT NOT NULL CHECK (source IN ('quiz', 'diagnostic', 'exercise')),
    retry INTEGER NOT NULL DEFAULT 0 CHECK (retry IN (0, 1)),
    created_at TEXT NOT NULL
);
CREATE INDEX attempts_by_learner ON attempts (learner, question_id, created_at);
INSERT INTO meta VALUES ('schema_version', '1');
INSERT INTO meta VALUES ('setting:diagnostic-run-start:ana', '2026-01-01T00:00:00+00:00');
INSERT INTO attempts VALUES (1, 'u1', 'ana', 'web-1-q1', 'web', 1, 'correct', '0', 0, 'quiz',
    0, '2026-01-01T00:00:00+00:00');
INSERT INTO attempts VALUES (2, 'u2', 'ana', 'web-1-q2', 'web', 1, 'incorrect', '1', 1,
    'diagnostic', 1, '2026-01-02T00:00:00+00:00');
"""


def test_a_store_from_the_first_schema_is_upgraded_keeping_every_row(tmp_path):
    """Does a progress file written before "seen" existed open, keep its rows and accept seen?"""
    path = tmp_path / "progress.db"
    conn = sqlite3.connect(path)
    conn.executescript(SCHEMA_1)
    conn.close()
    store = ProgressStore(path)
    assert store.recovered_from is None
    rows = [(a.uuid, a.outcome, a.hints_used, a.source, a.retry) for a in store.attempts("ana")]
    assert rows == [("u1", "correct", 0, "quiz", False), ("u2", "incorrect", 1, "diagnostic", True)]
    assert store.setting("diagnostic-run-start:ana") == "2026-01-01T00:00:00+00:00"
    store.record(attempt(3, outcome="seen", answer=None))
    assert [a.outcome for a in ProgressStore(path).attempts("ana")][-1] == "seen"
    conn = sqlite3.connect(path)
    version = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    conn.close()
    assert version == ("2",) and "attempts_by_learner" in indexes
