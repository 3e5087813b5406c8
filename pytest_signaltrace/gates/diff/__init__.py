"""Diff gating, like diff-cover: the receivers and send sites a change added or touched, and
whether they ran.

* :mod:`.git`: which lines of which files a branch, the index and the work tree changed;
* :mod:`.select`: the report's rows on those lines, and their coverage;
* :mod:`.judge`: both for a report, and the diff gate's verdict (``signaltrace diff`` and the
  pytest run's ``--signal-diff-*`` options);
* :mod:`.render`: the terminal, Markdown and JSON forms of the result.
"""

#: The branch a change is compared with when nothing names one (diff-cover's default).
DEFAULT_COMPARE_BRANCH = "origin/main"
#: The forms of a diff result (:mod:`.render`); here so that the command line can offer them
#: without importing the report model.
DIFF_FORMATS = ("term", "markdown", "json")
