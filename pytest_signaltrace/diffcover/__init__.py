"""Diff gating, like diff-cover: the receivers and send sites a change added or touched, and
whether they ran.

* :mod:`.git`: which lines of which files a branch, the index and the work tree changed;
* :mod:`.select`: the report's rows on those lines, and their coverage;
* :mod:`.render`: the terminal, Markdown and JSON forms of the result.
"""
