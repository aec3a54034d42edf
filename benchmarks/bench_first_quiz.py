"""Time from `import pmtech` to a rendered quiz widget, against `import ipywidgets` alone.

Each sample is a fresh interpreter (cold imports, warm file cache); the median of N is reported.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile

RUNS = 15

BASELINE = """
import time
t0 = time.perf_counter()
import ipywidgets
print(time.perf_counter() - t0)
"""

FIRST_QUIZ = """
import time
t0 = time.perf_counter()
import pmtech
from pmtech.bank import load_bank
from pmtech.quiz import quiz
q = quiz(list(load_bank().questions)[:5], title="first quiz")
bundle = q._repr_mimebundle_()
assert "application/vnd.jupyter.widget-view+json" in bundle
elapsed = time.perf_counter() - t0
import sys
assert "matplotlib" not in sys.modules and "nbgrader" not in sys.modules
print(elapsed)
"""


def sample(code: str, env: dict) -> float:
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    return float(out.stdout.strip().splitlines()[-1])


def main() -> dict:
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, PMTECH_HOME=home, PMTECH_LEARNER="bench")
        sample(FIRST_QUIZ, env)  # creates the store and warms the file cache
        base, quiz = [], []
        for _ in range(RUNS):  # interleaved, so drift hits both equally
            base.append(sample(BASELINE, env))
            quiz.append(sample(FIRST_QUIZ, env))
    result = {
        "import_ipywidgets_s": statistics.median(base),
        "import_pmtech_to_quiz_s": statistics.median(quiz),
    }
    result["ratio"] = result["import_pmtech_to_quiz_s"] / result["import_ipywidgets_s"]
    print(
        f"import ipywidgets alone:          {result['import_ipywidgets_s'] * 1000:7.1f} ms "
        f"(median of {RUNS})"
    )
    print(
        f"import pmtech -> rendered quiz:   {result['import_pmtech_to_quiz_s'] * 1000:7.1f} ms "
        f"(median of {RUNS}, 5 questions, store opened)"
    )
    print(f"ratio:                            {result['ratio']:7.2f}x  (aim: within 1.5x)")
    return result


if __name__ == "__main__":
    main()
