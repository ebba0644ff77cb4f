"""The fixture page generator behind ``python -m tools.make_fixtures`` (see that module's docstring)."""
