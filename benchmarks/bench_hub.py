"""The course hub on this machine: start-up time and memory per learner (as root).

Starts ``pmtech hub`` with fresh accounts (the learners' environment already built, as on
every start after the first), signs learners in with Chromium one after another (each opens
``00-start-here`` and starts its kernel), then reads the resident memory of the hub, the
proxy and each learner's processes (server and kernel). From those it works out how many
learners with a notebook open one 2-core, 8 GB machine holds.

    sudo .venv/bin/python benchmarks/bench_hub.py --learners 4
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.hubhelpers import log_in, running_hub  # noqa: E402
from tests.servers import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

MACHINE_GB = 8
RESERVED_GB = 1.0  # the system, sshd, page cache the notebooks read


def rss_mb(pids) -> float:
    """Summed resident memory of these processes, in MB."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/statm") as f:
                total += int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except OSError:
            continue
    return total / 1e6


def pids_of_user(user: str) -> list[int]:
    out = subprocess.run(["pgrep", "-u", user], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def pids_matching(pattern: str) -> list[int]:
    out = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def main(argv: list[str] | None = None) -> dict:
    """Start the hub, sign learners in, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=3)
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        sys.exit("run as root: the hub creates accounts and runs servers as them")
    from playwright.sync_api import sync_playwright

    learners = tuple(f"pmtbench{i}" for i in range(1, args.learners + 1))
    root = Path("/srv/pmtech-hub-bench")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        start = time.perf_counter()
        with running_hub(root, "pmtbenchteach", learners) as hub:
            ready = []
            for user in learners:
                page = log_in(browser, hub["base"], user)
                page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=240_000)
                page.wait_for_selector("text=Python 3 (ipykernel) | Idle", timeout=240_000)
                ready.append(time.perf_counter() - start)
            time.sleep(3)
            per_learner = [rss_mb(pids_of_user(u)) for u in learners]
            hub_mb = rss_mb([hub["pid"]])
            proxy_mb = rss_mb(pids_matching("configurable-http-proxy"))
        browser.close()
    mean = sum(per_learner) / len(per_learner)
    fits = int((MACHINE_GB * 1e3 - RESERVED_GB * 1e3 - hub_mb - proxy_mb) // mean)
    print(f"hub started (environment built before) in {hub['started_s']:.1f} s")
    print(f"first learner's JupyterLab ready, kernel idle, {ready[0]:.1f} s after the start")
    print(f"then one more learner every {(ready[-1] - ready[0]) / max(1, len(ready) - 1):.1f} s")
    spread = f"min {min(per_learner):.0f}, max {max(per_learner):.0f}"
    print(
        f"memory: hub {hub_mb:.0f} MB, proxy {proxy_mb:.0f} MB, per learner (server + one "
        f"kernel) {mean:.0f} MB ({spread})"
    )
    print(
        f"a {MACHINE_GB} GB machine ({RESERVED_GB:g} GB kept for the system) holds about {fits} "
        "learners with a notebook open, by memory; two cores run about two kernels' work at "
        "once, so that many can only be active in turns"
    )
    return {
        "hub_start_s": hub["started_s"],
        "first_lab_s": ready[0],
        "hub_mb": hub_mb,
        "proxy_mb": proxy_mb,
        "learner_mb": mean,
        "learners_in_8gb": fits,
    }


if __name__ == "__main__":
    main()
