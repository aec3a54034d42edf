"""JupyterHub's configuration for a course hub; ``pmtech hub`` starts JupyterHub with it.

Everything specific to one hub (people, port, folders) comes from the settings file that
``pmtech hub`` writes (``PMTECH_HUB_SETTINGS``); the proxy's token comes from
``CONFIGPROXY_AUTH_TOKEN`` and the cookie secret from a file in the run folder, both made at
start and never committed.
"""

import os
import pwd
import sys

from pmtech.hub.accounts import LEARNER_FOLDER
from pmtech.hub.settings import load_settings

c = get_config()  # noqa: F821 - provided by JupyterHub when it loads this file

settings = load_settings(os.environ["PMTECH_HUB_SETTINGS"])
run_dir = settings.run_dir

c.JupyterHub.bind_url = f"http://{settings.ip}:{settings.port}"
# Every account gets its own origin (ana.localhost, teacher.localhost): one account's pages
# can never script or frame another's. Browsers send *.localhost to the loopback address.
c.JupyterHub.subdomain_host = f"http://localhost:{settings.port}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = settings.extra["hub_port"]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{settings.extra['proxy_api_port']}"
c.ConfigurableHTTPProxy.command = [settings.proxy]
c.JupyterHub.cookie_secret_file = os.path.join(run_dir, "jupyterhub_cookie_secret")
c.JupyterHub.db_url = "sqlite:///" + os.path.join(run_dir, "jupyterhub.sqlite")
c.JupyterHub.pid_file = os.path.join(run_dir, "jupyterhub.pid")

if settings.authenticator == "dummy":
    c.JupyterHub.authenticator_class = "dummy"
    print(
        "WARNING: the dummy authenticator lets anyone sign in as any listed account with any "
        f"password. It listens on {settings.ip} only: use it for a local demo, never a cohort.",
        file=sys.stderr,
    )
else:
    c.JupyterHub.authenticator_class = "pam"
c.Authenticator.allowed_users = set(settings.people)
c.Authenticator.admin_users = {settings.instructor}

c.Spawner.cmd = [os.path.join(settings.user_env, "bin", "jupyterhub-singleuser")]
c.Spawner.ip = "127.0.0.1"
c.Spawner.start_timeout = 180
c.Spawner.http_timeout = 180
# Spawner environments start from almost nothing: the role's configuration and the
# environment's own programs.
c.Spawner.env_keep = ["LANG", "LC_ALL", "TZ"]


def _role_folder(spawner) -> str:
    role = "instructor" if spawner.user.name == settings.instructor else "learner"
    return os.path.join(run_dir, "config", role)


c.Spawner.environment = {
    "JUPYTER_CONFIG_PATH": _role_folder,
    "PATH": os.path.join(settings.user_env, "bin") + ":/usr/local/bin:/usr/bin:/bin",
}


def _pre_spawn(spawner) -> None:
    """Open each person where their work is: the course folder or the learner's copy."""
    home = pwd.getpwnam(spawner.user.name).pw_dir
    if spawner.user.name == settings.instructor:
        spawner.notebook_dir = os.path.join(home, settings.course_id)
        spawner.default_url = "/lab"
    else:
        spawner.notebook_dir = os.path.join(home, LEARNER_FOLDER)
        spawner.default_url = "/lab/tree/notebooks/00-start-here.ipynb"


c.Spawner.pre_spawn_hook = _pre_spawn
