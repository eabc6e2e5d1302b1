"""Benchmarks and reliability drills: ``python -m bench`` (``make bench``).

Every benchmark reports a ratio against a baseline measured in the same run, because these
machines are shared and noisy; see bench/README.md."""
