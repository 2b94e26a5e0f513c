"""Guanxi's benchmark suite: seeded map generators (:mod:`benchmarks.generator`) and a runner that starts
``guanxi serve`` and measures it over HTTP (``python -m benchmarks``, see docs/benchmarks.md)."""
