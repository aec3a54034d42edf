"""A generated online-shop database in SQLite: customers, products and orders.

Deterministic for a given seed and size, so exercises and their hidden tests see the same
rows on every machine. Big enough by default (100,000 orders) that an index visibly matters.
"""

from __future__ import annotations

import random
import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path

COUNTRIES = ("US", "DE", "IN", "BR", "GB", "FR", "JP", "NG", "CA", "MX")
CATEGORIES = ("books", "games", "garden", "kitchen", "music", "outdoor", "toys", "tools")
_FIRST = (
    "Ada",
    "Ben",
    "Chen",
    "Dara",
    "Eli",
    "Fatima",
    "Gus",
    "Hana",
    "Ivan",
    "Jo",
    "Kemi",
    "Lars",
    "Mina",
    "Noor",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sam",
    "Tara",
)
_LAST = ("Ito", "Khan", "Lopez", "Meyer", "Novak", "Okafor", "Park", "Rossi", "Silva", "Tan")

SCHEMA = """
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, country TEXT NOT NULL,
                        signup_date TEXT NOT NULL);
CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT NOT NULL, category TEXT NOT NULL,
                       price_cents INTEGER NOT NULL);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers,
                     product_id INTEGER NOT NULL REFERENCES products, quantity INTEGER NOT NULL,
                     total_cents INTEGER NOT NULL, status TEXT NOT NULL, ordered_at TEXT NOT NULL);
"""


def build_shop(
    path: Path | str, customers: int = 10_000, orders: int = 100_000, seed: int = 7
) -> Path:
    """Write a fresh shop database to ``path`` (replacing it) and return the path.

    Orders are skewed like real shops: a few customers and products account for much of
    the volume. No indexes beyond the primary keys, so learners can add them.
    """
    path = Path(path)
    tmp = path.with_name(path.name + ".building")
    tmp.unlink(missing_ok=True)
    rng = random.Random(seed)  # seeded: the same shop on every machine
    conn = sqlite3.connect(tmp)
    try:
        conn.executescript(SCHEMA)
        start = date(2023, 1, 1)
        conn.executemany(
            "INSERT INTO customers VALUES (?, ?, ?, ?)",
            (
                (
                    i,
                    f"{rng.choice(_FIRST)} {rng.choice(_LAST)}",
                    rng.choice(COUNTRIES),
                    (start + timedelta(days=rng.randrange(900))).isoformat(),
                )
                for i in range(1, customers + 1)
            ),
        )
        n_products = 500
        conn.executemany(
            "INSERT INTO products VALUES (?, ?, ?, ?)",
            (
                (i, f"product-{i:03d}", rng.choice(CATEGORIES), rng.randrange(199, 19_999))
                for i in range(1, n_products + 1)
            ),
        )
        prices = dict(conn.execute("SELECT id, price_cents FROM products"))
        statuses = ("delivered",) * 17 + ("cancelled", "refunded", "shipped")
        rows = []
        for i in range(1, orders + 1):
            # Skewed like real shops: 1% of customers place 20% of orders, and 20 products
            # take 30% of sales.
            heavy = rng.random() < 0.2
            customer = rng.randint(1, max(customers // 100, 1) if heavy else customers)
            product = rng.randint(1, 20) if rng.random() < 0.3 else rng.randint(1, n_products)
            quantity = rng.choice((1, 1, 1, 2, 2, 3))
            ordered = datetime(2023, 1, 1) + timedelta(
                days=rng.randrange(1095), seconds=rng.randrange(86_400)
            )
            rows.append(
                (
                    i,
                    customer,
                    product,
                    quantity,
                    prices[product] * quantity,
                    rng.choice(statuses),
                    ordered.isoformat(sep=" "),
                )
            )
        conn.executemany("INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        conn.commit()
    finally:
        conn.close()
    tmp.replace(path)
    return path


def open_shop(path: Path | str = "shop.db", **sizes) -> sqlite3.Connection:
    """Connect to the shop at ``path``, building it first if it is not there yet."""
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        build_shop(path, **sizes)
    return sqlite3.connect(path)


def query_plan(conn: sqlite3.Connection, sql: str, params: tuple = ()) -> str:
    """SQLite's plan for a query (``EXPLAIN QUERY PLAN``) as one line per step."""
    rows = conn.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
    return "\n".join(row[-1] for row in rows)
