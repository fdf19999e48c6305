"""Benchmark harness: `python -m benchmarks [--quick] [--only NAME] [--markdown]`.

Every figure compares ghtflow with a baseline measured in the same run on the same machine
(raw SQLAlchemy Core, a stdlib-only process, a bare interpreter), so that the ratio means
something on any machine. Everything is written under a temporary directory that is removed.
"""
