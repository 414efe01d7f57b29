"""Benchmarks and accuracy measurements on ../shared/data (run: python -m bench)."""
