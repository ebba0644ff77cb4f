"""Scripts that build shipped data and the fixture pages; run them from the repository root as
``python -m tools.<name>`` (a package, so they import ``bench`` and each other without ``sys.path`` edits).
"""
