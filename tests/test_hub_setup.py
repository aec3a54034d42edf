"""Setting a hub up: every bad input gets a clear error naming what to fix, before anything
is created or changed."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from pmtech.hub import HubError
from pmtech.hub.accounts import copy_once
from pmtech.hub.exchange import ensure_exchange
from pmtech.hub.proxy import ensure_proxy
from pmtech.hub.roles import write_role
from pmtech.hub.run import free_port, prepare_hub
from pmtech.hub.settings import HubSettings, load_settings

REPO = Path(__file__).resolve().parent.parent


def settings(tmp_path, **changes) -> HubSettings:
    values = dict(
        course_id="pm-technical-interview",
        instructor="teach",
        learners=("ana", "ben"),
        run_dir=str(tmp_path / "run"),
        exchange=str(tmp_path / "exchange"),
    )
    values.update(changes)
    return HubSettings(**values)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"learners": ("Ana",)}, "cannot be a Unix account name"),
        ({"learners": ("ana; rm -rf /",)}, "cannot be a Unix account name"),
        ({"learners": ("teach", "ana")}, "both the instructor and a learner"),
        ({"learners": ("ana", "ana")}, "listed twice"),
        ({"learners": ()}, "at least one learner"),
        ({"ip": "0.0.0.0"}, "may only listen on 127.0.0.1"),
        ({"authenticator": "nobody"}, "dummy or pam"),
        ({"port": 70000}, "not a TCP port"),
    ],
)
def test_bad_settings_are_named(tmp_path, changes, message):
    with pytest.raises(HubError, match=message):
        settings(tmp_path, **changes).check()


def test_settings_round_trip_and_stay_private(tmp_path):
    (tmp_path / "run").mkdir()
    saved = settings(tmp_path, extra={"hub_port": 1}).save()
    assert load_settings(saved) == settings(tmp_path, extra={"hub_port": 1})
    assert saved.stat().st_mode & 0o077 == 0


def test_an_exchange_others_cannot_write_to_is_refused(tmp_path):
    exchange = tmp_path / "exchange"
    exchange.mkdir(mode=0o755)
    exchange.chmod(0o755)
    with pytest.raises(HubError, match=r"0755.*chmod ugo\+rwx"):
        ensure_exchange(exchange)
    exchange.chmod(0o777)
    tmp_path.chmod(0o700)
    try:
        with pytest.raises(HubError, match="is private"):
            ensure_exchange(exchange)
    finally:
        tmp_path.chmod(0o755)
    (tmp_path / "file").write_text("")
    with pytest.raises(HubError, match="not a folder"):
        ensure_exchange(tmp_path / "file")


@pytest.mark.skipif(os.geteuid() != 0, reason="creates a folder as root")
def test_a_missing_exchange_is_made_as_nbgrader_documents(tmp_path):
    tmp_path.chmod(0o755)
    made = ensure_exchange(tmp_path / "srv" / "exchange")
    assert made.stat().st_mode & 0o777 == 0o777


def test_without_npm_the_error_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(HubError, match="npm is not installed.*apt-get install npm"):
        ensure_proxy(tmp_path / "root")
    assert not (tmp_path / "root").exists()


def test_a_port_in_use_is_named_before_anything_is_made(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(HubError, match=f"port {port} is in use"):
            prepare_hub(settings(tmp_path, port=port), REPO, env_root=tmp_path / "env")
    assert list(tmp_path.iterdir()) == []


def test_without_root_the_error_says_to_use_sudo(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(HubError, match="needs root.*sudo"):
        prepare_hub(settings(tmp_path), REPO, env_root=tmp_path / "env")


def test_not_the_course_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    with pytest.raises(HubError, match="is not the course folder"):
        prepare_hub(settings(tmp_path, port=free_port()), tmp_path, env_root=tmp_path / "env")


def test_an_unknown_course_is_named(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    with pytest.raises(HubError, match="unknown course 'physics-101'.*'pm-technical-interview'"):
        prepare_hub(
            settings(tmp_path, course_id="physics-101", port=free_port()),
            REPO,
            env_root=tmp_path / "env",
        )
    assert not (tmp_path / "exchange").exists()


def test_a_persons_own_work_is_never_overwritten(tmp_path):
    source = tmp_path / "course"
    source.mkdir()
    (source / "00.ipynb").write_text("course")
    target = tmp_path / "home" / "notebooks"
    target.mkdir(parents=True)
    (target / "00.ipynb").write_text("my answers")
    assert copy_once(source, target, _me()) is False
    assert (target / "00.ipynb").read_text() == "my answers"


def _me() -> str:
    import pwd

    return pwd.getpwuid(os.getuid()).pw_name


def test_a_learner_gets_the_assignments_list_only(tmp_path):
    import json

    folder = write_role(tmp_path / "learner", "pm-technical-interview", "/srv/x", None)
    page = json.loads((folder / "labconfig" / "page_config.json").read_text())
    hidden = page["disabledExtensions"]
    assert hidden["@jupyter/nbgrader:formgrader"] and hidden["@jupyter/nbgrader:create-assignment"]
    assert "@jupyter/nbgrader:assignment-list" not in hidden
    server = json.loads((folder / "jupyter_server_config.json").read_text())["ServerApp"]
    assert server["jpserver_extensions"]["nbgrader.server_extensions.formgrader"] is False
    config = (folder / "nbgrader_config.py").read_text()
    assert "path_includes_course = True" in config and "CourseDirectory.root" not in config
    teacher = write_role(tmp_path / "instructor", "pm-technical-interview", "/srv/x", "/home/t/c")
    server = json.loads((teacher / "jupyter_server_config.json").read_text())["ServerApp"]
    assert "jpserver_extensions" not in server
    assert "c.CourseDirectory.root = '/home/t/c'" in (teacher / "nbgrader_config.py").read_text()
