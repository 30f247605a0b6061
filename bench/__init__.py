"""Benchmarks (never timed assertions in tests): run ``python -m bench.bench_slots``."""
