"""nbgrader's cell metadata check, with its JSON schema compiled once a process.

nbgrader checks every graded cell's metadata against its schema with ``jsonschema.validate``,
which checks the schema itself again on every call: for a notebook of 40 graded cells, twice
per learner, that is most of the check's time. Here the schema is checked once and the
validator kept; the version checks, the rules nbgrader adds (grade ids, points, markdown
cells, duplicate ids) and the errors raised are nbgrader's own.
"""

from __future__ import annotations

import traceback
from functools import cache

import jsonschema
from nbgrader.nbgraderformat import MetadataValidator, ValidationError
from nbgrader.nbgraderformat.common import (
    BaseMetadataValidator,
    SchemaTooNewError,
    SchemaTooOldError,
)
from nbgrader.preprocessors import CheckCellMetadata


@cache
def _schema_validator():
    """A validator for nbgrader's current metadata schema, the schema checked once."""
    schema = MetadataValidator().schema
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


class _CompiledSchemaCheck(BaseMetadataValidator):
    """nbgrader's per-cell schema check (``BaseMetadataValidator.validate_cell``), with the
    compiled validator. It sits between nbgrader's v3 validator and its base in the MRO, so
    the v3 rules still run after it."""

    def validate_cell(self, cell) -> None:
        if "nbgrader" not in cell.metadata:
            return
        schema = cell.metadata["nbgrader"].get("schema_version", 0)
        if schema < self.schema_version:
            raise SchemaTooOldError(
                f"Outdated schema version: {schema} (expected {self.schema_version})",
                schema,
                self.schema_version,
            )
        if schema > self.schema_version:
            raise SchemaTooNewError(
                f"Schema version is too new: {schema} (expected {self.schema_version})",
                schema,
                self.schema_version,
            )
        error = jsonschema.exceptions.best_match(
            _schema_validator().iter_errors(cell.metadata["nbgrader"])
        )
        if error is not None:
            raise error


class _Validator(MetadataValidator, _CompiledSchemaCheck):
    """nbgrader's current metadata validator with the compiled schema check."""


class CheckCellMetadataFast(CheckCellMetadata):
    """nbgrader's ``CheckCellMetadata`` preprocessor, using the compiled schema."""

    def preprocess(self, nb, resources):
        """Validate every cell's nbgrader metadata; raise nbgrader's error when one is bad."""
        try:
            _Validator().validate_nb(nb)
        except ValidationError:
            self.log.error(traceback.format_exc())
            msg = "Notebook failed to validate; the nbgrader metadata may be corrupted."
            self.log.error(msg)
            raise ValidationError(msg) from None
        return nb, resources
