"""A cohort on one machine: JupyterHub with real Unix accounts and nbgrader's own exchange.

``pmtech hub`` (``make hub``) sets up and starts it: the learners' environment, one account
per person, the exchange folder, each role's Jupyter configuration, then JupyterHub itself
with configurable-http-proxy from npm. Nothing here replaces a Jupyter component; it
configures them.
"""


class HubError(Exception):
    """The hub cannot start; the message says what is wrong and what to do."""
