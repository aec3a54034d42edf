"""nbgrader configuration of the course (instructors: run nbgrader commands from this folder)."""

import os

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file

c.CourseDirectory.course_id = "pm-technical-interview"
# The course folder is the folder of this file, wherever nbgrader is run from inside it.
ROOT = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.root = ROOT
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
# One gradebook file next to this config (whatever the working folder); it is not committed.
# Several graders at once (a cohort of hundreds, Dask workers): a PostgreSQL gradebook, its URL
# in PMTECH_GRADEBOOK_URL (postgresql://user:password@host/db), never in a file; learners'
# kernels start from a clean environment and never see it (pmtech/grading/kernelenv.py).
c.CourseDirectory.db_url = os.environ.get("PMTECH_GRADEBOOK_URL") or "sqlite:///" + os.path.join(
    ROOT, "gradebook.db"
)
# Per cell: a runaway cell must not stall a whole batch (the budget below is per notebook).
c.ExecutePreprocessor.timeout = 60
c.ExecutePreprocessor.interrupt_on_timeout = True

# Metadata is checked as nbgrader checks it, with its schema compiled once per process
# (pmtech/grading/metadata.py).
# Honest accidents (a duplicated solution cell, a cell pasted from elsewhere, older metadata)
# set a cell aside with a note instead of failing the submission (pmtech/grading/repair.py).
c.Autograde.sanitize_preprocessors = [
    "nbgrader.preprocessors.ClearOutput",
    "pmtech.grading.repair.NeutraliseStrayCells",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "nbgrader.preprocessors.OverwriteCells",
    "pmtech.grading.metadata.CheckCellMetadataFast",
]
# A time budget for the whole notebook as well as per cell: a learner's endless loop costs
# one budget, not one timeout per later cell (pmtech/grading/budget.py).
c.Autograde.autograde_preprocessors = [
    "pmtech.grading.budget.BudgetedExecute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "pmtech.grading.metadata.CheckCellMetadataFast",
]
c.BudgetedExecute.notebook_budget = 300
# Feedback shows each hidden test's name, points and verdict, never its code, and no output
# produced after a hidden test ran (pmtech/grading/hidden.py). Learner content in feedback and
# in the formgrader is sanitised: it never runs script in the reader's browser
# (pmtech/grading/sanitise.py; the formgrader's pages also get a Content Security Policy from
# the pmtech server extension).
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "pmtech.grading.hidden.HideHiddenTests",
    "pmtech.grading.sanitise.SanitiseLearnerContent",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
# nbconvert's HTML exporter, its templates compiled once per process (pmtech/grading/feedback.py).
c.GenerateFeedback.exporter_class = "pmtech.grading.feedback.FeedbackExporter"
c.HTMLExporter.preprocessors = ["pmtech.grading.sanitise.SanitiseLearnerContent"]
c.HTMLExporter.filters = {"markdown2html": "pmtech.grading.sanitise.safe_markdown2html"}
