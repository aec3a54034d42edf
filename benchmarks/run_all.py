"""Run every benchmark and save the figures to benchmarks/results/latest.json."""

from __future__ import annotations

import json
import platform
import sys
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import bench_chart  # noqa: E402
import bench_diagnostic  # noqa: E402
import bench_first_quiz  # noqa: E402
import bench_notebooks  # noqa: E402


def main() -> None:
    results = {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {platform.python_version()}",
    }
    print("== first quiz ==")
    results["first_quiz"] = bench_first_quiz.main()
    print("\n== chart ==")
    results["chart"] = bench_chart.main()
    print("\n== diagnostic ==")
    results["diagnostic"] = bench_diagnostic.main(["--learners", "100"])
    print("\n== notebooks ==")
    results["notebooks"] = bench_notebooks.main()
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=2))
    print(f"\nSaved to {out / 'latest.json'}")


if __name__ == "__main__":
    main()
