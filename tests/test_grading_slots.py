"""Pieces of grading on several machines that need no cluster: grading slots held per
process, task keys, a worker that cannot see the course, a database URL fit to print."""

from __future__ import annotations

import os
import subprocess
import sys

from pmtech.grading.batch import shown_url
from pmtech.grading.cluster import grade_task, task_key

HOLD_A_SLOT = (
    "import sys, time\n"
    "from pmtech.grading.slots import claim_slot\n"
    "print(claim_slot(), flush=True)\n"
    "sys.stdin.readline()\n"
)


def holder(env: dict) -> tuple[subprocess.Popen, int]:
    """A process that claims a slot and holds it until its stdin closes; and its slot."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD_A_SLOT], env=env, stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    return proc, int(proc.stdout.readline())


def test_each_grading_process_holds_its_own_slot_until_it_dies(tmp_path):
    """Processes on one machine get distinct slots (so distinct sandbox uids); a slot whose
    process was killed is free again."""
    env = dict(os.environ, TMPDIR=str(tmp_path))
    first, slot_a = holder(env)
    second, slot_b = holder(env)
    assert {slot_a, slot_b} == {0, 1}
    first.kill()
    first.wait()
    third, slot_c = holder(env)
    assert slot_c == slot_a
    for proc in (second, third):
        proc.stdin.close()
        proc.wait(10)


def test_task_keys_name_course_assignment_and_learner():
    """One key per (course, assignment, learner): the scheduler never runs one twice at once."""
    keys = {
        task_key(course, assignment, student)
        for course in ("c1", "c2")
        for assignment in ("a1", "a2")
        for student in ("ana", "ben")
    }
    assert len(keys) == 8
    assert task_key("c1", "a1", "ana") == "pmtech-grade/c1/a1/ana"


def test_a_worker_that_cannot_see_the_course_fails_the_learner_with_the_reason(tmp_path):
    """Called as a Dask worker would call it, on a folder that is not there."""
    result = grade_task(str(tmp_path / "missing"), {}, True, "digest", "01", "ana")
    assert not result.ok and result.student == "ana"
    assert "cannot see the course folder" in result.reason
    assert str(tmp_path / "missing") in result.reason


def test_database_urls_are_printed_without_their_password():
    """The password is replaced by ***; a URL without one is shown as it is."""
    assert (
        shown_url("postgresql://grader:s3cret@db:5432/gradebook")
        == "postgresql://grader:***@db:5432/gradebook"
    )
    assert shown_url("sqlite:////srv/course/gradebook.db") == "sqlite:////srv/course/gradebook.db"


def test_a_scheduler_address_without_a_port_is_a_clear_error():
    """Said at once, before Dask would retry for its whole timeout."""
    import pytest

    from pmtech.grading import GradingError
    from pmtech.grading.cluster import connect

    with pytest.raises(GradingError, match="needs a host and a port"):
        connect("tcp://127.0.0.1")
