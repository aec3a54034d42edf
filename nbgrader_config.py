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
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(ROOT, "gradebook.db")
# Per cell: a runaway cell must not stall a whole batch (the budget below is per notebook).
c.ExecutePreprocessor.timeout = 60
c.ExecutePreprocessor.interrupt_on_timeout = True

# A time budget for the whole notebook as well as per cell: a learner's endless loop costs
# one budget, not one timeout per later cell (pmtech/grading/budget.py).
c.Autograde.autograde_preprocessors = [
    "pmtech.grading.budget.BudgetedExecute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.BudgetedExecute.notebook_budget = 300
# Feedback shows each hidden test's name, points and verdict, never its code
# (pmtech/grading/hidden.py).
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "pmtech.grading.hidden.HideHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
