"""Benchmarks: latency percentiles and ratios, never timed assertions in tests."""
