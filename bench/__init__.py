"""Benchmarks (`make bench`, ``python -m bench.run``) and the synthetic data they share.

A package so its modules import each other as ``bench.<name>`` when run with ``python -m`` from the
repository root, never through ``sys.path`` edits.
"""
