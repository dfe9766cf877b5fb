"""Benchmark support: the data generator and its command (``flask bench generate``)."""
