"""The exercise checks of the Python and SQL primer (``notebooks/01b-python-and-sql-primer``).

Two checks, one per kind of exercise:

- ``check_sql(exercise_id, query)`` runs the learner's query on a real SQLite shop (the lab's
  own generator, ``pmtech.labs.shop``, at a small size: 400 customers, 500 products, 2,000
  orders, seeded) and compares its rows with the rows of the reference query. Order counts
  only when the exercise asks for ``ORDER BY``; column names never count (aliases are free).
- ``check_function(exercise_id, func)`` calls the learner's Python function on several cases
  and compares each result with the expected one.

Each check returns a ``CheckResult`` whose outcome is one of a small closed set: *not
attempted* (a blank query; a function whose body is still only ``...``, ``pass`` or a
docstring, or that raises ``NotImplementedError``),
*incorrect* (with the case that failed, expected against got, or SQLite's own error text), or
*correct*. Learner mistakes never raise, so the notebook runs top to bottom with every
exercise blank. Each check is recorded in the progress store as exercise evidence (a second
answered check of the same exercise in one session counts as practice, ``retry``).

Exercise ids follow the course's ``<topic>-<level>-<slug>`` convention with two topics of
their own, ``python`` and ``sql``: they are outside the rubric's question bank, so primer
answers show as extra rows of the full progress chart and never move an interview topic's
edge.

The learner's SQL cannot change the shop: the database is opened read-only (a
``file:...?mode=ro`` URI) and an SQLite authorizer refuses everything but reading, so
``DELETE``, ``DROP``, ``ATTACH``, ``VACUUM INTO`` or ``PRAGMA`` fail with a clear message. A
query that runs longer than ``SQL_TIME_LIMIT_S`` (a join without its ``ON``) is interrupted,
and a function that runs longer than ``FUNCTION_TIME_LIMIT_S`` (a loop that never ends) is
stopped where the platform allows it (a Unix main thread, which is where notebook cells run).
"""

from __future__ import annotations

import copy
import dis
import inspect
import math
import re
import signal
import sqlite3
import threading
import time
import warnings
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pmtech.labs.shop import build_shop
from pmtech.outcome import Outcome
from pmtech.paths import default_home
from pmtech.progress import Attempt, ProgressStore, StoreError, default_learner, default_store

DB_NAME = "primer-shop-v1.db"  # bump the suffix when the sizes or seed change
SHOP_SIZES = {"customers": 400, "orders": 2_000, "seed": 7}  # seeded: same rows everywhere
SQL_TIME_LIMIT_S = 5.0
FUNCTION_TIME_LIMIT_S = 5.0
MAX_ROWS = 20_000  # a check never needs more; a runaway join stops here
SHOWN_ROWS = 3  # rows quoted in a message

_ICONS = {
    Outcome.NOT_ATTEMPTED: "○ Not attempted",
    Outcome.INCORRECT: "✗ Not yet",
    Outcome.CORRECT: "✓ Correct",
}


@dataclass(frozen=True)
class CheckResult:
    """What one check found: the exercise, the outcome and a message for the learner.

    Shown in a notebook as the outcome and the message in plain words.
    """

    exercise_id: str
    outcome: Outcome
    message: str

    @property
    def correct(self) -> bool:
        """True when the answer is right."""
        return self.outcome == Outcome.CORRECT

    def __str__(self) -> str:
        return f"{_ICONS[self.outcome]} ({self.exercise_id})\n{self.message}"

    __repr__ = __str__


# -- the exercises -----------------------------------------------------------------------


@dataclass(frozen=True)
class SqlExercise:
    """A query exercise: the columns it returns, its reference query, whether order counts."""

    id: str
    columns: tuple[str, ...]
    solution: str
    ordered: bool
    hint: str


@dataclass(frozen=True)
class Case:
    """One call of a learner's function: the arguments and the expected result."""

    args: tuple
    expected: object


@dataclass(frozen=True)
class FunctionExercise:
    """A function exercise: the function's name, its cases and its reference solution.

    ``cases`` receives a read-only connection to the primer shop, so some cases can use
    real rows; their expected values come from SQL, independent of ``solution``.
    """

    id: str
    name: str
    cases: Callable[[sqlite3.Connection], list[Case]]
    solution: Callable
    hint: str
    close_enough: bool = False  # compare numbers with a tolerance (divisions give floats)


def _solution_order_total(price_cents, quantity):
    return price_cents * quantity


def _solution_first_and_last(items):
    return (items[0], items[-1])


def _solution_price_of(prices, name):
    if name in prices:
        return prices[name]
    return 0


def _solution_count_by_status(statuses):
    counts = {}
    for status in statuses:
        if status in counts:
            counts[status] = counts[status] + 1
        else:
            counts[status] = 1
    return counts


def _solution_delivered_ids(orders):
    return [order["id"] for order in orders if order["status"] == "delivered"]


def _solution_average_cents(totals):
    if len(totals) == 0:
        return 0
    return sum(totals) / len(totals)


def _solution_launch_decision(days, target_rate):
    visits = sum(day[0] for day in days)
    signups = sum(day[1] for day in days)
    if visits < 1_000:
        return "wait"
    rate = signups / visits
    if rate < target_rate / 2:
        return "stop"
    if rate < target_rate:
        return "iterate"
    return "ship"


def _status_cases(conn: sqlite3.Connection) -> list[Case]:
    first_50 = [r[0] for r in conn.execute("SELECT status FROM orders ORDER BY id LIMIT 50")]
    counted = dict(
        conn.execute(
            "SELECT status, count(*) FROM (SELECT status FROM orders ORDER BY id LIMIT 50) "
            "GROUP BY status"
        )
    )
    return [
        Case((["delivered", "shipped", "delivered"],), {"delivered": 2, "shipped": 1}),
        Case((["refunded"],), {"refunded": 1}),
        Case(([],), {}),
        Case((first_50,), counted),
    ]


def _delivered_cases(conn: sqlite3.Connection) -> list[Case]:
    real = sample_orders(30, conn=conn)
    delivered = [
        r[0] for r in conn.execute("SELECT id FROM orders WHERE id <= 30 AND status = 'delivered'")
    ]
    return [
        Case(
            (
                [
                    {"id": 7, "status": "delivered"},
                    {"id": 8, "status": "cancelled"},
                    {"id": 9, "status": "delivered"},
                ],
            ),
            [7, 9],
        ),
        Case(([{"id": 1, "status": "shipped"}],), []),
        Case(([],), []),
        Case((real,), sorted(delivered)),
    ]


FUNCTION_EXERCISES: dict[str, FunctionExercise] = {
    ex.id: ex
    for ex in (
        FunctionExercise(
            "python-1-order-total",
            "order_total",
            lambda conn: [
                Case((1299, 3), 3897),
                Case((500, 1), 500),
                Case((250, 0), 0),
                Case((0, 4), 0),
            ],
            _solution_order_total,
            "Multiply the two arguments and `return` the result (printing it is not enough).",
        ),
        FunctionExercise(
            "python-1-first-and-last",
            "first_and_last",
            lambda conn: [
                Case((["tea", "cake", "soup"],), ("tea", "soup")),
                Case(([3, 1, 4, 1, 5],), (3, 5)),
                Case(([42],), (42, 42)),
            ],
            _solution_first_and_last,
            "The first item is `items[0]`; the last is `items[-1]`, whatever the list's length. "
            "Return both as a pair: `return (first, last)`.",
        ),
        FunctionExercise(
            "python-1-price-of",
            "price_of",
            lambda conn: [
                Case(({"tea": 350, "cake": 420}, "tea"), 350),
                Case(({"tea": 350, "cake": 420}, "cake"), 420),
                Case(({"tea": 350, "cake": 420}, "soup"), 0),
                Case(({}, "tea"), 0),
            ],
            _solution_price_of,
            "`prices[name]` fails with a KeyError when the name is missing; "
            "ask first with `if name in prices:` (or use `prices.get(name, 0)`).",
        ),
        FunctionExercise(
            "python-1-count-by-status",
            "count_by_status",
            _status_cases,
            _solution_count_by_status,
            "Start with an empty dict, `counts = {}`. For each status: if it is already a key, "
            "add 1 to its count; otherwise set its count to 1. Return the dict after the loop.",
        ),
        FunctionExercise(
            "python-1-delivered-ids",
            "delivered_ids",
            _delivered_cases,
            _solution_delivered_ids,
            "Shape: `[order[...] for order in orders if ...]`. Keep the orders in the order "
            "they come in.",
        ),
        FunctionExercise(
            "python-1-average-cents",
            "average_cents",
            lambda conn: [
                Case(([100, 200, 300],), 200),
                Case(([5],), 5),
                Case(([1, 2],), 1.5),
                Case(([],), 0),
            ],
            _solution_average_cents,
            "The traceback above says why the empty list fails: `len([])` is 0. "
            "Return 0 for an empty list before you divide.",
            close_enough=True,
        ),
        FunctionExercise(
            "python-2-launch-decision",
            "launch_decision",
            lambda conn: [
                Case(([(300, 12), (400, 30)], 0.05), "wait"),
                Case(([], 0.05), "wait"),
                Case(([(600, 10), (600, 5)], 0.05), "stop"),
                Case(([(500, 20), (700, 30)], 0.05), "iterate"),
                Case(([(1000, 60)], 0.05), "ship"),
                Case(([(400, 20), (600, 30)], 0.05), "ship"),
                Case(([(2000, 50)], 0.05), "iterate"),
                Case(([(900, 5), (100, 0)], 0.02), "stop"),
            ],
            _solution_launch_decision,
            "Add up the visits and the signups over all days first, then apply the rules in "
            "the order given, returning as soon as one applies. Check the visits before you "
            "divide, and read 'fewer than' and 'below' as `<`, not `<=`.",
        ),
    )
}

SQL_EXERCISES: dict[str, SqlExercise] = {
    ex.id: ex
    for ex in (
        SqlExercise(
            "sql-1-select",
            ("name", "price_cents"),
            "SELECT name, price_cents FROM products",
            ordered=False,
            hint="List the two columns after SELECT, separated by a comma, then FROM the table.",
        ),
        SqlExercise(
            "sql-1-where",
            ("name", "signup_date"),
            "SELECT name, signup_date FROM customers "
            "WHERE country = 'DE' AND signup_date >= '2025-01-01'",
            ordered=False,
            hint="Two conditions joined by AND. Text values go in single quotes: "
            "country = 'DE'; dates are text like '2025-01-01', and they compare in date order.",
        ),
        SqlExercise(
            "sql-1-order-limit",
            ("name", "price_cents"),
            "SELECT name, price_cents FROM products WHERE category = 'books' "
            "ORDER BY price_cents DESC LIMIT 5",
            ordered=True,
            hint="WHERE picks the books, ORDER BY ... DESC puts the most expensive first, "
            "LIMIT keeps five. They go in that order in the query.",
        ),
        SqlExercise(
            "sql-1-join",
            ("id", "name"),
            "SELECT orders.id, customers.name FROM orders "
            "JOIN customers ON customers.id = orders.customer_id "
            "WHERE orders.status = 'refunded'",
            ordered=False,
            hint="An order points at its customer through orders.customer_id, which matches "
            "customers.id. Both tables have a column called id, so name the table: orders.id.",
        ),
        SqlExercise(
            "sql-1-group-count",
            ("status", "order_count"),
            "SELECT status, count(*) FROM orders GROUP BY status",
            ordered=False,
            hint="GROUP BY status makes one row per status; count(*) counts the rows in each.",
        ),
        SqlExercise(
            "sql-2-never-ordered",
            ("id", "name"),
            "SELECT customers.id, customers.name FROM customers "
            "LEFT JOIN orders ON orders.customer_id = customers.id "
            "WHERE orders.id IS NULL",
            ordered=False,
            hint="A plain JOIN drops customers without orders. LEFT JOIN keeps them, with NULL "
            "in every orders column; then keep the rows where orders.id IS NULL "
            "(= NULL is never true).",
        ),
        SqlExercise(
            "sql-2-top-categories",
            ("category", "revenue_cents"),
            "SELECT products.category, sum(orders.total_cents) AS revenue_cents FROM orders "
            "JOIN products ON products.id = orders.product_id "
            "WHERE orders.status = 'delivered' "
            "AND orders.ordered_at >= '2024-01-01' AND orders.ordered_at < '2025-01-01' "
            "GROUP BY products.category ORDER BY revenue_cents DESC LIMIT 3",
            ordered=True,
            hint="Build it in steps and run each: the JOIN of orders to products, then the "
            "WHERE (delivered, and ordered_at in 2024), then GROUP BY category with "
            "sum(total_cents), then ORDER BY that sum DESC and LIMIT 3.",
        ),
    )
}

EXERCISES: dict[str, SqlExercise | FunctionExercise] = {**FUNCTION_EXERCISES, **SQL_EXERCISES}


def topic_and_level(exercise_id: str) -> tuple[str, int]:
    """The topic and level an exercise id encodes: ``sql-2-top-categories`` -> ("sql", 2)."""
    topic, level, _slug = exercise_id.split("-", 2)
    return topic, int(level)


# -- the shop database -------------------------------------------------------------------


def primer_db_path(home: Path | str | None = None) -> Path:
    """Where the primer's shop lives: ``primer-shop-v1.db`` in the course's data folder."""
    return Path(home) / DB_NAME if home else default_home() / DB_NAME


def _usable(path: Path) -> bool:
    try:
        conn = _connect_read_only(path)
        try:
            return conn.execute("SELECT count(*) FROM orders").fetchone()[0] > 0
        finally:
            conn.close()
    except sqlite3.Error:
        return False


def ensure_primer_shop(path: Path | str | None = None) -> Path:
    """Build the primer's shop at ``path`` (default ``primer_db_path()``) unless it is there.

    A file that is not a readable shop is rebuilt. Building takes a fraction of a second.
    """
    path = Path(path) if path else primer_db_path()
    if not (path.exists() and _usable(path)):
        path.parent.mkdir(parents=True, exist_ok=True)
        build_shop(path, **SHOP_SIZES)
    return path


def _connect_read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)


def open_primer_shop(path: Path | str | None = None) -> sqlite3.Connection:
    """A read-only connection to the primer's shop, building the shop first if needed.

    Use it to try queries: ``shop.execute("SELECT ...").fetchall()``. Anything that would
    change the data fails with "attempt to write a readonly database".
    """
    return _connect_read_only(ensure_primer_shop(path))


def sample_orders(
    n: int = 10, path: Path | str | None = None, conn: sqlite3.Connection | None = None
) -> list[dict]:
    """The shop's first ``n`` orders (by id) as a list of dicts, one per order."""
    own = conn is None
    conn = conn or open_primer_shop(path)
    try:
        cursor = conn.execute("SELECT * FROM orders ORDER BY id LIMIT ?", (n,))
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        if own:
            conn.close()


_READS = {
    sqlite3.SQLITE_SELECT,
    sqlite3.SQLITE_READ,
    sqlite3.SQLITE_FUNCTION,
    sqlite3.SQLITE_RECURSIVE,
}


def _only_reads(action: int, *_details) -> int:
    """SQLite authorizer: allow reading and functions, deny every other action."""
    return sqlite3.SQLITE_OK if action in _READS else sqlite3.SQLITE_DENY


class _QueryProblem(Exception):
    """The learner's query could not run; the message says why in plain words."""


def _run_query(path: Path, query: str) -> tuple[list[tuple], bool]:
    """Rows of ``query`` (at most MAX_ROWS) and whether there were more, run read-only.

    Raises _QueryProblem with SQLite's own error text and a plain-words explanation.
    """
    conn = _connect_read_only(path)
    deadline = time.monotonic() + SQL_TIME_LIMIT_S
    conn.set_authorizer(_only_reads)
    conn.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
    try:
        cursor = conn.execute(query)
        rows = cursor.fetchmany(MAX_ROWS + 1)
    except (sqlite3.Error, sqlite3.Warning) as exc:  # Warning: older Pythons, two statements
        raise _QueryProblem(_explain_sql_error(exc)) from None
    finally:
        conn.close()
    return rows[:MAX_ROWS], len(rows) > MAX_ROWS


def _explain_sql_error(exc: Exception) -> str:
    text = str(exc)
    lines = [f"SQLite says: {text}"]
    if "not authorized" in text or "authorization denied" in text or "readonly" in text:
        lines.append(
            "The primer's shop is read-only: a check runs one SELECT query, so statements "
            "that change or create something (INSERT, UPDATE, DELETE, DROP, CREATE, ATTACH, "
            "PRAGMA) are refused. Nothing was changed."
        )
    elif "interrupted" in text:
        lines.append(
            f"The query ran longer than {SQL_TIME_LIMIT_S:.0f} seconds and was stopped. "
            "Does every JOIN have its ON condition?"
        )
    elif "one statement at a time" in text:
        lines.append("Write a single query: remove everything after its first semicolon.")
    elif "syntax error" in text:
        lines.append(
            "SQLite could not read the query near the word it quotes: look for a typo, a "
            "missing comma between columns, or clauses out of order "
            "(SELECT ... FROM ... JOIN ... WHERE ... GROUP BY ... ORDER BY ... LIMIT)."
        )
    elif "no such column" in text:
        lines.append(
            "Check the column's spelling against the table's columns, and name the table "
            "(orders.id) when two joined tables share a column name."
        )
    elif "no such table" in text:
        lines.append("The shop's tables are customers, products and orders.")
    elif "ambiguous column" in text:
        lines.append("Two joined tables have that column: write table.column, e.g. orders.id.")
    return "\n".join(lines)


_COMMENT_OR_SPACE = re.compile(r"(\s+|--[^\n]*(\n|$)|/\*.*?\*/)", re.S)


def _is_blank_query(query: str) -> bool:
    """True when the text holds nothing but whitespace, comments and semicolons."""
    return _COMMENT_OR_SPACE.sub("", query).strip(";") == ""


def _show(rows: list) -> str:
    return "\n".join(f"    {tuple(r)!r}" for r in rows[:SHOWN_ROWS])


def _normalise(row: tuple) -> tuple:
    return tuple(round(v, 6) if isinstance(v, float) else v for v in row)


def _compare_rows(ex: SqlExercise, expected: list[tuple], got: list[tuple]) -> str | None:
    """None when the rows match; otherwise what differs, in plain words."""
    want_cols = len(ex.columns)
    widths = {len(r) for r in got}
    if got and widths != {want_cols}:
        have = ", ".join(str(w) for w in sorted(widths))
        return (
            f"Each row should have {want_cols} columns ({', '.join(ex.columns)}, in that "
            f"order); yours have {have}. Your first rows:\n{_show(got)}"
        )
    want, have = [_normalise(r) for r in expected], [_normalise(r) for r in got]
    if ex.ordered and want == have:
        return None
    if not ex.ordered and Counter(want) == Counter(have):
        return None
    if Counter(want) == Counter(have):
        first = next(i for i, (a, b) in enumerate(zip(want, have, strict=True)) if a != b)
        return (
            f"The right rows, in the wrong order: row {first + 1} should be {want[first]!r}, "
            f"yours is {have[first]!r}. Check ORDER BY (and DESC for biggest first)."
        )
    parts = []
    if len(have) != len(want):
        parts.append(f"Your query returns {len(have)} rows; the answer has {len(want)}.")
    else:
        parts.append(
            f"Your query returns the right number of rows ({len(want)}), not the same rows."
        )
    missing = list((Counter(want) - Counter(have)).elements())
    extra = list((Counter(have) - Counter(want)).elements())
    if missing:
        parts.append(f"Rows that should be there but are not, for example:\n{_show(missing)}")
    if extra:
        parts.append(f"Rows that should not be there, for example:\n{_show(extra)}")
    return "\n".join(parts)


# -- recording ---------------------------------------------------------------------------

_ANSWERED: set[tuple[str, str]] = set()  # (store path, exercise id) answered this session
_WARNED: list[str] = []


def _record(result: CheckResult, answer: object, store: ProgressStore | None) -> None:
    """Save the check as exercise evidence; a broken store warns once, never raises."""
    try:
        store = store or default_store()
        key = (str(store.path), result.exercise_id)
        answered = result.outcome != Outcome.NOT_ATTEMPTED
        topic, level = topic_and_level(result.exercise_id)
        store.record(
            Attempt(
                learner=default_learner(),
                question_id=result.exercise_id,
                topic=topic,
                level=level,
                outcome=result.outcome,
                answer={"answer": answer, "message": result.message},
                source="exercise",
                retry=answered and key in _ANSWERED,
            )
        )
        if answered:
            _ANSWERED.add(key)
    except (StoreError, OSError, sqlite3.Error) as exc:
        if not _WARNED:
            _WARNED.append(str(exc))
            warnings.warn(
                f"Your check works, but it could not be saved to your progress: {exc}",
                stacklevel=3,
            )


def _exercise(exercise_id: str, kind: type):
    found = EXERCISES.get(exercise_id)
    if not isinstance(found, kind):
        known = ", ".join(k for k, v in EXERCISES.items() if isinstance(v, kind))
        raise ValueError(f"no primer exercise {exercise_id!r} of this kind; known: {known}")
    return found


# -- the SQL check -----------------------------------------------------------------------


def check_sql(
    exercise_id: str,
    query: object,
    *,
    db: Path | str | None = None,
    store: ProgressStore | None = None,
) -> CheckResult:
    """Check the learner's ``query`` for one SQL exercise on the real primer shop.

    Both queries run read-only on the same database; the rows must match (in order only when
    the exercise asks for ORDER BY). ``db`` and ``store`` default to the course's data folder.
    Raises only for an unknown ``exercise_id`` (an author's mistake, not a learner's).
    """
    ex = _exercise(exercise_id, SqlExercise)
    result = _judge_sql(ex, query, ensure_primer_shop(db))
    _record(result, query if isinstance(query, str) else repr(query), store)
    return result


def _judge_sql(ex: SqlExercise, query: object, path: Path) -> CheckResult:
    if query is None or query is Ellipsis or (isinstance(query, str) and _is_blank_query(query)):
        return CheckResult(
            ex.id,
            Outcome.NOT_ATTEMPTED,
            "Write your query between the triple quotes in the exercise cell, run that cell, "
            "then run this check again.",
        )
    if not isinstance(query, str):
        return CheckResult(
            ex.id,
            Outcome.INCORRECT,
            f"`query` should be text, the SQL itself inside triple quotes; it is a "
            f"{type(query).__name__}.",
        )
    try:
        got, more = _run_query(path, query)
    except _QueryProblem as problem:
        return CheckResult(ex.id, Outcome.INCORRECT, str(problem))
    expected, _ = _run_query(path, ex.solution)
    if more:
        return CheckResult(
            ex.id,
            Outcome.INCORRECT,
            f"Your query returns more than {MAX_ROWS:,} rows; the answer has {len(expected)}. "
            f"Is a WHERE or a JOIN's ON condition missing?\nHint: {ex.hint}",
        )
    problem = _compare_rows(ex, expected, got)
    if problem:
        return CheckResult(ex.id, Outcome.INCORRECT, f"{problem}\nHint: {ex.hint}")
    order = " in the right order" if ex.ordered else ""
    return CheckResult(
        ex.id, Outcome.CORRECT, f"Your query returns the expected {len(got)} rows{order}."
    )


# -- the function check ------------------------------------------------------------------


class _TimeLimit(BaseException):
    """Raised inside a learner's function that ran too long (BaseException: a learner's
    ``except Exception`` cannot swallow it)."""


@contextmanager
def _time_limit(seconds: float):
    """Stop the code inside after ``seconds`` where a Unix alarm can (the main thread)."""
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def on_alarm(signum, frame):
        raise _TimeLimit()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _call_text(name: str, args: tuple) -> str:
    return f"{name}({', '.join(repr(a) for a in args)})"


def _same(expected: object, got: object, close_enough: bool) -> bool:
    numbers = (int, float)
    if isinstance(got, bool) and not isinstance(expected, bool):
        return False
    if isinstance(expected, numbers) and isinstance(got, numbers):
        return math.isclose(expected, got, rel_tol=1e-9) if close_enough else expected == got
    return isinstance(got, type(expected)) and expected == got  # a Counter is a dict


def _difference_note(expected: object, got: object) -> str:
    if got is None:
        return (
            " (None usually means the function has no `return` line, or prints the value "
            "instead of returning it)"
        )
    numeric = isinstance(expected, int | float) and isinstance(got, int | float)
    if not isinstance(got, type(expected)) and not numeric:
        return f" (a {type(got).__name__}; the answer is a {type(expected).__name__})"
    return ""


def check_function(
    exercise_id: str,
    func: object,
    *,
    db: Path | str | None = None,
    store: ProgressStore | None = None,
) -> CheckResult:
    """Check the learner's function for one Python exercise by calling it on every case.

    Each call gets its own copy of the arguments, so a function that changes its input
    cannot spoil the next case. ``db`` and ``store`` default to the course's data folder.
    Raises only for an unknown ``exercise_id`` (an author's mistake, not a learner's).
    """
    ex = _exercise(exercise_id, FunctionExercise)
    conn = open_primer_shop(db)
    try:
        cases = ex.cases(conn)
    finally:
        conn.close()
    result = _judge_function(ex, func, cases)
    _record(result, {"function": getattr(func, "__name__", repr(func)), **_source(func)}, store)
    return result


def _source(func: object) -> dict:
    try:
        return {"source": inspect.getsource(func)}
    except (TypeError, OSError):
        return {}


def _judge_function(ex: FunctionExercise, func: object, cases: list[Case]) -> CheckResult:
    if func is None or func is Ellipsis:
        return CheckResult(ex.id, Outcome.NOT_ATTEMPTED, f"Write the function `{ex.name}` first.")
    if not callable(func):
        return CheckResult(
            ex.id,
            Outcome.INCORRECT,
            f"Pass the function itself, without brackets: check_function({ex.id!r}, {ex.name}). "
            f"`{ex.name}` here is a value of type {type(func).__name__}, not a function.",
        )
    if _is_empty(func):
        return _not_attempted(ex)  # the stub: a body of only `...`, `pass` or a docstring
    name = getattr(func, "__name__", ex.name)
    returned, failures, passed = [], [], 0
    for case in cases:
        call = _call_text(name, case.args)
        try:
            with _time_limit(FUNCTION_TIME_LIMIT_S):
                got = func(*copy.deepcopy(case.args))
        except NotImplementedError:
            return _not_attempted(ex)
        except _TimeLimit:
            failures.append(
                f"{call} was still running after {FUNCTION_TIME_LIMIT_S:.0f} seconds and was "
                "stopped. Does a loop never end?"
            )
            break  # the other cases would likely hang too
        except Exception as exc:
            failures.append(f"{call} raised {type(exc).__name__}: {exc}")
            continue
        returned.append(got)
        if not _same(case.expected, got, ex.close_enough):
            failures.append(
                f"{call} should return {case.expected!r}; your function returned {got!r}"
                f"{_difference_note(case.expected, got)}."
            )
        else:
            passed += 1
    if failures:
        return CheckResult(
            ex.id,
            Outcome.INCORRECT,
            f"{failures[0]}\n{passed} of {len(cases)} cases pass.\nHint: {ex.hint}",
        )
    return CheckResult(ex.id, Outcome.CORRECT, f"All {len(cases)} cases pass.")


def _empty_function(): ...


def _steps(code) -> list[tuple[str, object]]:
    """What a code object does, as (operation, value) pairs, without bookkeeping steps."""
    return [
        (i.opname, i.argval)
        for i in dis.get_instructions(code)
        if i.opname not in ("RESUME", "NOP", "CACHE")
    ]


def _is_empty(func: object) -> bool:
    """True for a function whose body does nothing (``...``, ``pass``, only a docstring):
    it does what an empty function does, whatever its parameters."""
    code = getattr(func, "__code__", None)
    return code is not None and _steps(code) == _steps(_empty_function.__code__)


def _not_attempted(ex: FunctionExercise) -> CheckResult:
    return CheckResult(
        ex.id,
        Outcome.NOT_ATTEMPTED,
        f"Replace the `...` in `{ex.name}` with your code, run that cell, then run this "
        "check again.",
    )
