"""Do the primer's checks judge blank, wrong and right answers fairly, and keep the shop safe?"""

from __future__ import annotations

import hashlib
import re
import sqlite3

import nbformat
import pytest

from pmtech.labs import primer
from pmtech.labs.primer import (
    EXERCISES,
    FUNCTION_EXERCISES,
    SQL_EXERCISES,
    check_function,
    check_sql,
    ensure_primer_shop,
    open_primer_shop,
)
from pmtech.outcome import Outcome
from pmtech.progress import ProgressStore

from .conftest import REPO

NOTEBOOK = REPO / "notebooks" / "01b-python-and-sql-primer.ipynb"


def _launch_decision_with_wrong_boundaries(days, target_rate):
    visits = sum(v for v, _ in days)
    signups = sum(s for _, s in days)
    if visits <= 1000:
        return "wait"
    rate = signups / visits
    if rate <= target_rate / 2:
        return "stop"
    if rate <= target_rate:
        return "iterate"
    return "ship"


# One plausible beginner's mistake per exercise.
WRONG = {
    "python-1-order-total": lambda price_cents, quantity: price_cents + quantity,
    "python-1-first-and-last": lambda items: (items[0], items[1]),
    "python-1-price-of": lambda prices, name: prices[name],
    "python-1-count-by-status": lambda statuses: {s: 1 for s in statuses},
    "python-1-delivered-ids": lambda orders: [o["id"] for o in orders],
    "python-1-average-cents": lambda totals: sum(totals) / len(totals),
    "python-2-launch-decision": _launch_decision_with_wrong_boundaries,
    "sql-1-select": "SELECT name FROM products",
    "sql-1-where": "SELECT name, signup_date FROM customers WHERE country = 'DE'",
    "sql-1-order-limit": "SELECT name, price_cents FROM products WHERE category = 'books' "
    "ORDER BY price_cents LIMIT 5",
    "sql-1-join": "SELECT orders.id, customers.name FROM orders "
    "JOIN customers ON customers.id = orders.product_id WHERE orders.status = 'refunded'",
    "sql-1-group-count": "SELECT status, count(DISTINCT customer_id) FROM orders GROUP BY status",
    "sql-2-never-ordered": "SELECT customers.id, customers.name FROM customers "
    "LEFT JOIN orders ON orders.customer_id = customers.id WHERE orders.id = NULL",
    "sql-2-top-categories": "SELECT products.category, sum(orders.total_cents) AS r FROM orders "
    "JOIN products ON products.id = orders.product_id "
    "WHERE orders.ordered_at >= '2024-01-01' AND orders.ordered_at < '2025-01-01' "
    "GROUP BY products.category ORDER BY r DESC LIMIT 3",
}

HOSTILE_SQL = [
    "DELETE FROM orders",
    "DROP TABLE orders",
    "UPDATE products SET price_cents = 0",
    "INSERT INTO customers VALUES (9999, 'Mallory', 'US', '2025-01-01')",
    "CREATE TABLE notes (x TEXT)",
    "SELECT 1; DELETE FROM orders",
    "PRAGMA writable_schema = ON",
    "BEGIN",
]


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    """One primer shop for the module, built the way a learner's machine builds it."""
    return ensure_primer_shop(tmp_path_factory.mktemp("primer") / primer.DB_NAME)


def check(exercise_id, answer, db):
    """Run the check that fits the exercise's kind."""
    if exercise_id in SQL_EXERCISES:
        return check_sql(exercise_id, answer, db=db)
    return check_function(exercise_id, answer, db=db)


def fingerprint(path) -> str:
    """The database file's bytes, hashed: any change to the shop changes it."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_primer_has_between_ten_and_fourteen_exercises_of_both_kinds():
    """Does the primer hold 10-14 exercises, Python and SQL, each with a wrong answer here?"""
    assert 10 <= len(EXERCISES) <= 14
    assert FUNCTION_EXERCISES and SQL_EXERCISES
    assert set(WRONG) == set(EXERCISES)


@pytest.mark.parametrize("exercise_id", list(EXERCISES))
def test_a_blank_answer_is_not_attempted(exercise_id, db):
    """Is a blank answer 'not attempted', never 'incorrect'?"""
    if exercise_id in SQL_EXERCISES:
        blanks = [" ", "", "\n  \n", "-- my query\n", "/* later */ ;", None]
        for blank in blanks:
            assert check_sql(exercise_id, blank, db=db).outcome == Outcome.NOT_ATTEMPTED, blank
    else:

        def stub(*args):
            # the notebook's stub: a comment and `...`
            ...

        def documented(*args):
            """Only a docstring so far."""

        def raising(*args):
            raise NotImplementedError

        for blank in (stub, documented, raising, None):
            assert check_function(exercise_id, blank, db=db).outcome == Outcome.NOT_ATTEMPTED


@pytest.mark.parametrize("exercise_id", list(EXERCISES))
def test_a_wrong_answer_is_incorrect_with_a_hint(exercise_id, db):
    """Is a typical mistake 'incorrect', with a message that says what differs and a hint?"""
    result = check(exercise_id, WRONG[exercise_id], db)
    assert result.outcome == Outcome.INCORRECT
    assert "Hint:" in result.message
    assert EXERCISES[exercise_id].hint in result.message
    if exercise_id in FUNCTION_EXERCISES:
        assert "should return" in result.message or "raised" in result.message


@pytest.mark.parametrize("exercise_id", list(EXERCISES))
def test_the_reference_solution_is_correct(exercise_id, db):
    """Does the module's own solution pass its check?"""
    ex = EXERCISES[exercise_id]
    result = check(exercise_id, ex.solution, db)
    assert result.outcome == Outcome.CORRECT, result.message
    assert result.correct


def _notebook():
    return nbformat.read(NOTEBOOK, as_version=4)


def _solution_cells():
    """(exercise id, source) of every folded solution cell of the notebook."""
    found = []
    for cell in _notebook().cells:
        if cell.cell_type == "code" and cell.metadata.get("jupyter", {}).get("source_hidden"):
            match = re.match(r"# Solution to exercise \d+ \((\S+)\)", cell.source)
            assert match, f"a folded cell without its exercise id: {cell.source[:60]!r}"
            found.append((match.group(1), cell.source))
    return found


def _answer_of(exercise_id, source):
    namespace: dict = {}
    exec(compile(source, exercise_id, "exec"), namespace)
    if exercise_id in SQL_EXERCISES:
        return namespace["query"]
    return namespace[FUNCTION_EXERCISES[exercise_id].name]


def test_the_notebook_shows_one_folded_solution_per_exercise_at_its_end():
    """Does the Solutions section hold one folded cell per exercise, after everything else?"""
    nb = _notebook()
    solutions = _solution_cells()
    assert [eid for eid, _ in solutions] == list(EXERCISES)
    tail = nb.cells[-len(solutions) :]
    assert all(c.metadata.get("jupyter", {}).get("source_hidden") for c in tail)
    assert nb.cells[-len(solutions) - 1].source.startswith("## Solutions")


@pytest.mark.parametrize("exercise_id, source", _solution_cells(), ids=lambda v: str(v)[:30])
def test_the_notebooks_solution_passes_its_check(exercise_id, source, db):
    """Is every solution the notebook shows accepted by its check?"""
    result = check(exercise_id, _answer_of(exercise_id, source), db)
    assert result.outcome == Outcome.CORRECT, result.message


def _exercise_cells():
    """(exercise id, the exercise cell's source) for every check cell of the notebook."""
    cells = _notebook().cells
    found = []
    for i, cell in enumerate(cells):
        match = re.fullmatch(r'check_(?:sql|function)\("([^"]+)", \w+\)', cell.source.strip())
        if cell.cell_type == "code" and match:
            found.append((match.group(1), cells[i - 1].source))
    return found


def test_every_exercise_has_a_check_cell_in_the_notebook_in_order():
    """Does the notebook check every exercise once, easiest first, as the module lists them?"""
    assert [eid for eid, _ in _exercise_cells()] == list(EXERCISES)


@pytest.mark.parametrize("exercise_id, source", _exercise_cells(), ids=lambda v: str(v)[:30])
def test_the_notebooks_exercise_cells_start_blank(exercise_id, source, db):
    """Run as committed, is each exercise cell 'not attempted' (so Run All shows no failure)?"""
    assert check(exercise_id, _answer_of(exercise_id, source), db).outcome == Outcome.NOT_ATTEMPTED


def test_the_notebook_is_committed_clean_with_the_python3_kernel():
    """Is the primer committed without outputs, on the same kernel as the other notebooks?"""
    nb = _notebook()
    assert nb.metadata.kernelspec.name == "python3"
    assert all(not c.outputs and c.execution_count is None for c in nb.cells if "outputs" in c)


def test_a_sql_syntax_error_gives_sqlites_message_and_a_plain_explanation(db):
    """Does a typo in SQL give SQLite's own error text and what to look for, without raising?"""
    result = check_sql("sql-1-select", "SELEC name, price_cents FROM products", db=db)
    assert result.outcome == Outcome.INCORRECT
    assert 'SQLite says: near "SELEC": syntax error' in result.message
    assert "typo" in result.message
    result = check_sql("sql-1-select", "SELECT name, price FROM products", db=db)
    assert "no such column: price" in result.message


@pytest.mark.parametrize("statement", HOSTILE_SQL)
def test_a_learner_query_cannot_change_the_shop(statement, db):
    """Can a DELETE, DROP, UPDATE, INSERT, CREATE or PRAGMA change the shared database?"""
    before = fingerprint(db)
    result = check_sql("sql-1-select", statement, db=db)
    assert result.outcome == Outcome.INCORRECT
    assert "SQLite says" in result.message
    assert fingerprint(db) == before
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT count(*) FROM orders").fetchone()[0] == 2_000
        assert conn.execute("SELECT min(price_cents) FROM products").fetchone()[0] > 0
    finally:
        conn.close()


def test_a_learner_query_cannot_write_other_files(db, tmp_path):
    """Can ATTACH or VACUUM INTO create a file next to the shop or anywhere else?"""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for statement in (
        f"ATTACH DATABASE '{elsewhere / 'attached.db'}' AS other",
        f"VACUUM INTO '{elsewhere / 'copy.db'}'",
    ):
        result = check_sql("sql-1-select", statement, db=db)
        assert result.outcome == Outcome.INCORRECT
        assert "read-only" in result.message
    assert list(elsewhere.iterdir()) == []
    assert sorted(p.name for p in db.parent.iterdir()) == [primer.DB_NAME]


def test_the_shop_connection_for_examples_is_read_only(db):
    """Does the connection the notebook's examples use refuse to change data?"""
    conn = open_primer_shop(db)
    try:
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            conn.execute("DELETE FROM orders")
        assert conn.execute("SELECT count(*) FROM orders").fetchone()[0] == 2_000
    finally:
        conn.close()


def test_order_counts_only_when_the_exercise_asks_for_it(db):
    """Is any row order accepted without ORDER BY, and a wrong order refused with it?"""
    unordered = check_sql(
        "sql-1-select", "SELECT name, price_cents AS p FROM products ORDER BY p DESC", db=db
    )
    assert unordered.outcome == Outcome.CORRECT, unordered.message
    reversed_top = (
        "SELECT * FROM (SELECT name, price_cents FROM products WHERE category = 'books' "
        "ORDER BY price_cents DESC LIMIT 5) ORDER BY price_cents"
    )
    ordered = check_sql("sql-1-order-limit", reversed_top, db=db)
    assert ordered.outcome == Outcome.INCORRECT
    assert "wrong order" in ordered.message


def test_wrong_columns_and_wrong_rows_are_explained(db):
    """Does an incorrect query say what differs: the columns, the row count, example rows?"""
    columns = check_sql("sql-1-join", "SELECT * FROM orders WHERE status = 'refunded'", db=db)
    assert "should have 2 columns (id, name" in columns.message
    rows = check_sql("sql-1-where", WRONG["sql-1-where"], db=db)
    assert "rows; the answer has" in rows.message
    assert "should not be there" in rows.message


def test_a_runaway_query_is_stopped(db, monkeypatch):
    """Is a query that never ends interrupted with a clear message instead of hanging?"""
    monkeypatch.setattr(primer, "SQL_TIME_LIMIT_S", 0.3)
    endless = (
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT count(*) FROM n"
    )
    result = check_sql("sql-1-select", endless, db=db)
    assert result.outcome == Outcome.INCORRECT
    assert "was stopped" in result.message


def test_a_cross_join_returning_too_many_rows_is_refused(db):
    """Does a JOIN without ON give a readable message rather than millions of rows?"""
    result = check_sql(
        "sql-1-join", "SELECT orders.id, customers.name FROM orders, customers", db=db
    )
    assert result.outcome == Outcome.INCORRECT
    assert "more than 20,000 rows" in result.message


def test_a_learners_python_mistakes_never_raise(db, monkeypatch):
    """Do errors, endless loops, a missing return and a non-function give messages, not raises?"""
    monkeypatch.setattr(primer, "FUNCTION_TIME_LIMIT_S", 0.3)

    def endless(price_cents, quantity):
        while True:
            pass

    def prints(price_cents, quantity):
        print(price_cents * quantity)

    def half_done(price_cents, quantity):
        if quantity == 1:
            return price_cents

    cases = {
        endless: "was still running",
        prints: "no `return` line",
        half_done: "should return",
        (lambda price_cents: price_cents): "TypeError",
        3897: "not a function",
    }
    for answer, words in cases.items():
        result = check_function("python-1-order-total", answer, db=db)
        assert result.outcome == Outcome.INCORRECT
        assert words in result.message
    result = check_sql("sql-1-select", ["SELECT name FROM products"], db=db)
    assert result.outcome == Outcome.INCORRECT
    assert "should be text" in result.message


def test_a_function_that_changes_its_input_cannot_spoil_the_next_case(db):
    """Does each case get a fresh copy of its arguments?"""

    def destructive(statuses):
        counts = {}
        while statuses:
            status = statuses.pop()
            counts[status] = counts.get(status, 0) + 1
        return counts

    assert check_function("python-1-count-by-status", destructive, db=db).outcome == Outcome.CORRECT


def test_a_wrong_type_is_named(db):
    """When the values look right but the type is wrong (a list for a tuple), does it say so?"""
    result = check_function("python-1-first-and-last", lambda items: [items[0], items[-1]], db=db)
    assert result.outcome == Outcome.INCORRECT
    assert "a list; the answer is a tuple" in result.message


def test_each_check_lands_in_the_progress_store(db, private_home):
    """Is each check recorded as exercise evidence, a second answer as practice (retry)?"""
    check_sql("sql-1-select", "", db=db)
    check_sql("sql-1-select", "SELECT name FROM products", db=db)
    check_sql("sql-1-select", SQL_EXERCISES["sql-1-select"].solution, db=db)
    attempts = ProgressStore(private_home / "progress.db").attempts(question_id="sql-1-select")
    assert [a.outcome for a in attempts] == [
        Outcome.NOT_ATTEMPTED,
        Outcome.INCORRECT,
        Outcome.CORRECT,
    ]
    assert [a.retry for a in attempts] == [False, False, True]
    assert {(a.topic, a.level, a.source) for a in attempts} == {("sql", 1, "exercise")}
    assert attempts[1].answer["answer"] == "SELECT name FROM products"


def test_a_damaged_shop_file_is_rebuilt(tmp_path):
    """Is a primer shop that is not a readable database rebuilt with the same rows?"""
    path = tmp_path / primer.DB_NAME
    path.write_bytes(b"not a database")
    ensure_primer_shop(path)
    conn = open_primer_shop(path)
    try:
        assert conn.execute("SELECT count(*) FROM customers").fetchone()[0] == 400
    finally:
        conn.close()


def test_an_unknown_exercise_id_is_an_authors_error():
    """Does a mistyped exercise id (in the notebook, not the learner's answer) say which exist?"""
    with pytest.raises(ValueError, match="sql-1-select"):
        check_sql("sql-9-nope", "SELECT 1")
    with pytest.raises(ValueError, match="python-1-order-total"):
        check_function("sql-1-select", print)
