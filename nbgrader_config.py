"""nbgrader configuration of the course (instructors: run nbgrader commands from this folder)."""

import os

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file

c.CourseDirectory.course_id = "pm-technical-interview"
# The course folder is the folder of this file, wherever nbgrader is run from inside it.
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
# One gradebook file next to this config; it is not committed.
c.CourseDirectory.db_url = "sqlite:///gradebook.db"
# A runaway cell must not stall a whole batch.
c.ExecutePreprocessor.timeout = 60
c.ExecutePreprocessor.interrupt_on_timeout = True
