"""Headless execution time of each course notebook, against a notebook that only starts the
kernel and imports pmtech, in the same run (a private PMTECH_HOME, so labs build afresh)."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parent.parent


def run(nb, folder: Path) -> float:
    start = time.perf_counter()
    NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    ).execute()
    return time.perf_counter() - start


def main() -> dict:
    result = {}
    with tempfile.TemporaryDirectory(prefix="pmtech-nb-bench-") as tmp:
        os.environ["PMTECH_HOME"] = tmp
        floor = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import pmtech")])
        result["kernel_and_import_s"] = run(floor, Path(tmp))
        print(f"{'kernel start + import pmtech':<34} {result['kernel_and_import_s']:6.1f} s")
        for path in sorted((REPO / "notebooks").glob("*.ipynb")):
            seconds = run(nbformat.read(path, as_version=4), Path(tmp))
            result[path.name] = seconds
            print(f"{path.name:<34} {seconds:6.1f} s")
    return result


if __name__ == "__main__":
    main()
