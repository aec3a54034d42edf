"""The feedback exporter: nbconvert's HTML exporter with its templates compiled once a process.

nbgrader builds a new exporter, and so a new Jinja environment, for every learner's feedback,
and Jinja compiles the feedback template and all it extends again each time: about a third of
the grader's own CPU time per notebook. A process-wide bytecode cache keeps the compiled
templates; Jinja keys each entry by the template's file name and a checksum of its source, so
an edited template is compiled afresh. Everything else (templates, filters, preprocessors,
output) is nbconvert's, unchanged.
"""

from __future__ import annotations

from jinja2 import BytecodeCache
from nbconvert.exporters import HTMLExporter


class _InMemoryBytecodeCache(BytecodeCache):
    """Compiled templates, kept in this process's memory."""

    def __init__(self) -> None:
        self._compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        """Fill ``bucket`` from the cache when its template was compiled before."""
        data = self._compiled.get(bucket.key)
        if data is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket) -> None:
        """Keep what Jinja compiled."""
        self._compiled[bucket.key] = bucket.bytecode_to_string()


_CACHE = _InMemoryBytecodeCache()


class FeedbackExporter(HTMLExporter):
    """HTMLExporter whose Jinja environment shares this process's compiled templates."""

    def _create_environment(self):
        environment = super()._create_environment()
        environment.bytecode_cache = _CACHE
        return environment
