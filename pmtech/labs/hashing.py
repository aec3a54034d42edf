"""Why password hashing is slow on purpose: time a fast hash against scrypt.

An attacker with a stolen table of hashes tries guesses offline; the time per guess is the
only thing standing between them and the passwords. SHA-256 is built to be fast; scrypt
(RFC 7914) is built to cost time and memory for every single guess.
"""

from __future__ import annotations

import hashlib
import os
import time

# scrypt cost: N=2**14, r=8, p=1 uses 16 MiB per guess (128 * r * N bytes), kept low so the
# lab runs in seconds; for real password storage the minimum
# OWASP's Password Storage Cheat Sheet lists for scrypt is N=2**17 with r=8, p=1.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1


def fast_hash(password: str, salt: bytes) -> bytes:
    """One salted SHA-256: fine for checksums, far too fast for passwords."""
    return hashlib.sha256(salt + password.encode()).digest()


def slow_hash(password: str, salt: bytes, n: int = SCRYPT_N) -> bytes:
    """Salted scrypt, deliberately expensive in time and memory."""
    return hashlib.scrypt(
        password.encode(), salt=salt, n=n, r=SCRYPT_R, p=SCRYPT_P, maxmem=256 * 1024 * 1024
    )


def seconds_per_guess(fn, repeat: int = 5) -> float:
    """Best-of time of one hash with ``fn`` on this machine."""
    salt = os.urandom(16)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn("correct horse battery staple", salt)
        best = min(best, time.perf_counter() - start)
    return best


def guesses_per_second() -> dict[str, float]:
    """How many guesses per second one core of this machine makes with each hash."""
    fast = min(seconds_per_guess(fast_hash) for _ in range(3))
    slow = seconds_per_guess(slow_hash, repeat=3)
    return {"sha256": 1 / fast, "scrypt": 1 / slow}
