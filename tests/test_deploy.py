"""The files for more than one machine: the course image and the Zero to JupyterHub values.

There is no cluster here, so what can be checked is checked: the values parse, carry no
secret, and their hub configuration loads into a real KubeSpawner; the image's build file
copies only what the repository has, and both agree on where each role's folder is.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
VALUES = REPO / "deploy" / "kubernetes" / "values.yaml"
DOCKERFILE = REPO / "deploy" / "Dockerfile"


def values() -> dict:
    return yaml.safe_load(VALUES.read_text(encoding="utf-8"))


def test_values_name_the_image_and_keep_secrets_out():
    data = values()
    assert data["singleuser"]["image"]["name"] and data["singleuser"]["image"]["tag"]
    text = VALUES.read_text()
    assert not re.search(r"^\s*(client_secret|secretToken|api_token)\s*:", text, re.M)
    assert "00-start-here.ipynb" in data["singleuser"]["defaultUrl"]


KUBECONFIG = """\
apiVersion: v1
kind: Config
clusters: [{name: none, cluster: {server: "https://127.0.0.1:9"}}]
users: [{name: none, user: {token: not-a-secret}}]
contexts: [{name: none, context: {cluster: none, user: none}}]
current-context: none
"""


def test_the_hub_configuration_loads_into_kubespawner(tmp_path, monkeypatch):
    """Every extraConfig snippet runs against a real KubeSpawner configuration, and a hub
    admin gets the instructor's role folder while everyone else gets the learner's. (The
    spawner reads a cluster's address at start; it gets one that is never contacted.)"""
    kubespawner = pytest.importorskip("kubespawner")
    from kubernetes_asyncio.config import kube_config
    from traitlets.config import Config

    (tmp_path / "kubeconfig").write_text(KUBECONFIG)
    monkeypatch.setattr(kube_config, "KUBE_CONFIG_DEFAULT_LOCATION", str(tmp_path / "kubeconfig"))

    c = Config()
    for name, snippet in values()["hub"]["extraConfig"].items():
        exec(compile(snippet, f"extraConfig.{name}", "exec"), {"c": c, "get_config": lambda: c})

    async def role_folders() -> dict[bool, str]:
        roles = {}
        for admin in (True, False):  # a spawner wants a running loop for its API client
            user = SimpleNamespace(name="ana", id=1, url="/user/ana/", admin=admin)
            spawner = kubespawner.KubeSpawner(_mock=True, config=c, user=user)
            roles[admin] = spawner.environment["JUPYTER_CONFIG_PATH"](spawner)
            assert "postStart" in spawner.lifecycle_hooks
        return roles

    roles = asyncio.run(role_folders())
    assert roles == {True: "/etc/pmtech/roles/instructor", False: "/etc/pmtech/roles/learner"}
    built = DOCKERFILE.read_text()
    assert all(folder in built for folder in roles.values())


def test_the_image_copies_only_what_the_repository_has():
    lines = DOCKERFILE.read_text().splitlines()
    assert lines[[i for i, ln in enumerate(lines) if ln and not ln.startswith("#")][0]].startswith(
        "FROM "
    )
    for line in lines:
        if line.startswith("COPY "):
            for source in line.split()[1:-1]:
                assert (REPO / source).exists(), f"the Dockerfile copies {source}, not in the repo"
