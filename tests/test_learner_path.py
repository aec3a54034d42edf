"""A learner's own laptop: the progress folder each operating system expects, the course
copied once into a folder of their choosing and never over their work, the learner's and the
instructor's JupyterLab configuration, and no Unix-only module on the learner's path."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pmtech import paths
from pmtech.coursefiles import CourseFilesError, copy_course, course_files
from pmtech.labroles import with_role, write_role

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("platform", "env", "expected"),
    [
        ("linux", {}, ".local/share/pmtech"),
        ("linux", {"XDG_DATA_HOME": "/data/me"}, "/data/me/pmtech"),
        ("linux", {"XDG_DATA_HOME": "relative"}, ".local/share/pmtech"),  # spec: ignore
        ("darwin", {}, "Library/Application Support/pmtech"),
        (
            "win32",
            {"LOCALAPPDATA": "/c/Users/me/AppData/Local"},
            "/c/Users/me/AppData/Local/pmtech",
        ),  # fmt: skip
        ("win32", {}, "AppData/Local/pmtech"),
    ],
)
def test_the_progress_folder_follows_each_systems_convention(
    platform, env, expected, tmp_path, monkeypatch
):
    """Without PMTECH_HOME the course keeps its data where the system keeps app data."""
    monkeypatch.delenv("PMTECH_HOME", raising=False)
    for name in ("XDG_DATA_HOME", "LOCALAPPDATA"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: tmp_path))
    monkeypatch.setattr(sys, "platform", platform)
    want = Path(expected) if expected.startswith("/") else tmp_path / expected
    assert paths.default_home() == want


def test_pmtech_home_wins_and_an_earlier_folder_keeps_its_progress(tmp_path, monkeypatch):
    """PMTECH_HOME is used as given; without it, an existing ~/.pmtech stays in use."""
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: tmp_path))
    monkeypatch.setenv("PMTECH_HOME", str(tmp_path / "mine"))
    assert paths.default_home() == tmp_path / "mine"
    monkeypatch.delenv("PMTECH_HOME")
    monkeypatch.setattr(sys, "platform", "linux")
    assert paths.default_home() == tmp_path / ".local" / "share" / "pmtech"
    (tmp_path / ".pmtech").mkdir()
    assert paths.default_home() == tmp_path / ".pmtech"


def test_the_course_is_copied_once_and_the_learners_work_is_never_overwritten(tmp_path):
    """First copy: notebooks, released assignments, nbgrader's configuration. A notebook the
    learner changed stays as they left it; one they deleted comes back."""
    folder = tmp_path / "my course"
    copied = copy_course(folder)
    start = folder / "notebooks" / "00-start-here.ipynb"
    assert Path("notebooks/00-start-here.ipynb") in copied
    assert (folder / "nbgrader_config.py").is_file()
    released = sorted(p.name for p in (REPO / "release").iterdir() if p.is_dir())
    assert sorted(p.name for p in (folder / "release").iterdir() if p.is_dir()) == released
    start.write_text("my own work")
    (folder / "notebooks" / "glossary.ipynb").unlink()
    again = copy_course(folder)
    assert again == [Path("notebooks/glossary.ipynb")]
    assert start.read_text() == "my own work"
    assert copy_course(REPO) == []  # the repository is its own working folder


def test_a_file_in_the_way_is_a_clear_error(tmp_path):
    """A working folder that is a file: an error naming it, nothing changed."""
    blocker = tmp_path / "course"
    blocker.write_text("not a folder")
    with pytest.raises(CourseFilesError, match="is a file"):
        copy_course(blocker)
    assert blocker.read_text() == "not a folder"


def test_the_course_files_are_found_in_a_copy_of_the_repository():
    """In the repository, the course's own folder is the repository."""
    assert course_files() == REPO


def test_a_learner_sees_no_instructor_tools_and_an_instructor_keeps_them(tmp_path):
    """The learner role switches off nbgrader's instructor and exchange tools and the news
    pop-up, keeping Validate; the instructor role switches off the news pop-up only."""
    learner = write_role(tmp_path / "learner", "learner")
    off = json.loads((learner / "labconfig" / "page_config.json").read_text())
    off = off["disabledExtensions"]
    for plugin in ("formgrader", "create-assignment", "course-list", "assignment-list", "menu"):
        assert off[f"@jupyter/nbgrader:{plugin}"] is True
    assert off["@jupyterlab/apputils-extension:announcements"] is True
    assert "@jupyter/nbgrader:validate-assignment" not in off
    server = json.loads((learner / "jupyter_server_config.json").read_text())
    extensions = server["ServerApp"]["jpserver_extensions"]
    assert extensions["nbgrader.server_extensions.formgrader"] is False
    assert "nbgrader.server_extensions.validate_assignment" not in extensions
    teacher = write_role(tmp_path / "teacher", "instructor")
    off = json.loads((teacher / "labconfig" / "page_config.json").read_text())
    assert list(off["disabledExtensions"]) == ["@jupyterlab/apputils-extension:announcements"]
    env = with_role({"JUPYTER_CONFIG_PATH": "/etc/other"}, learner)
    assert env["JUPYTER_CONFIG_PATH"].split(":")[0] == str(learner)
    with pytest.raises(ValueError, match="unknown role"):
        write_role(tmp_path / "x", "admin")


UNIX_ONLY = ("fcntl", "pwd", "grp", "resource", "termios")
LEARNER_MODULES = (
    "pmtech.cli", "pmtech.quiz", "pmtech.chart", "pmtech.diagnostic_ui", "pmtech.practice",
    "pmtech.selfstudy", "pmtech.coursefiles", "pmtech.labroles", "pmtech.studyplan",
    "pmtech.schedule", "pmtech.lessons", "pmtech.glossary", "pmtech.labs",
)  # fmt: skip


def test_the_learners_modules_import_without_unix_only_modules():
    """What a learner's notebooks and ``pmtech lab`` import never needs a module Windows
    lacks (each is blocked in a fresh interpreter)."""
    block = "".join(f"sys.modules[{name!r}] = None\n" for name in UNIX_ONLY)
    code = "import sys\n" + block + "".join(f"import {m}\n" for m in LEARNER_MODULES)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
