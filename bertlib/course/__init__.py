"""The course machinery: notebook setup, exercise checks, and student / live-coding copies.

    from bertlib.course import setup_notebook
    from bertlib.course.checks import check_softmax

`python -m bertlib.course --help` lists the tools for instructors and notebook authors.
"""

from bertlib.course.environment import environment_report, setup_notebook

__all__ = ["environment_report", "setup_notebook"]
