"""Test-only helpers: hostile-page generators, subprocess isolation, the fault server lives beside."""
