"""What one hub runs with: who takes part, where things live, which port. Saved as JSON in
the hub's run folder, where ``jupyterhub_config.py`` reads it."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pmtech.hub import HubError

# Unix account names the hub creates: lowercase, start with a letter, at most 32 characters.
ACCOUNT = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
DEFAULT_RUN_ROOT = Path("/srv/pmtech-hub")
DEFAULT_EXCHANGE = Path("/srv/nbgrader/exchange")
SETTINGS_FILE = "settings.json"


@dataclass(frozen=True)
class HubSettings:
    """One hub: its course, people, port and folders."""

    course_id: str
    instructor: str
    learners: tuple[str, ...]
    port: int = 8000
    ip: str = "127.0.0.1"
    authenticator: str = "dummy"  # "dummy" (local demo only) or "pam" (the accounts' passwords)
    run_dir: str = str(DEFAULT_RUN_ROOT / "pm-technical-interview")
    exchange: str = str(DEFAULT_EXCHANGE)
    user_env: str = ""  # the learners' and instructor's Python environment
    proxy: str = ""  # the configurable-http-proxy executable
    extra: dict = field(default_factory=dict)

    def check(self) -> None:
        """Raise :class:`HubError` naming the first bad value."""
        for name in (self.instructor, *self.learners):
            if not ACCOUNT.match(name):
                raise HubError(
                    f"{name!r} cannot be a Unix account name: use lowercase letters, digits, "
                    "'-' or '_', starting with a letter (at most 32 characters)"
                )
        if self.instructor in self.learners:
            raise HubError(f"{self.instructor!r} is both the instructor and a learner")
        if len(set(self.learners)) != len(self.learners):
            raise HubError("a learner is listed twice")
        if not self.learners:
            raise HubError("name at least one learner (--learners ana,ben)")
        if self.authenticator not in ("dummy", "pam"):
            raise HubError(f"authenticator must be dummy or pam, not {self.authenticator!r}")
        if self.authenticator == "dummy" and self.ip != "127.0.0.1":
            raise HubError(
                "the dummy authenticator lets anyone in as anyone: it may only listen on "
                "127.0.0.1; use --authenticator pam (or OAuth, see the README) for a real cohort"
            )
        if not 1 <= self.port <= 65535:
            raise HubError(f"port {self.port} is not a TCP port")

    @property
    def people(self) -> tuple[str, ...]:
        """Everyone with an account: the instructor first."""
        return (self.instructor, *self.learners)

    def save(self) -> Path:
        """Write the settings into the run folder; return the file."""
        path = Path(self.run_dir) / SETTINGS_FILE
        path.write_text(json.dumps(asdict(self), indent=1), encoding="utf-8")
        path.chmod(0o600)
        return path


def load_settings(path: Path | str) -> HubSettings:
    """The settings saved by :meth:`HubSettings.save`."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    data["learners"] = tuple(data["learners"])
    return HubSettings(**data)
