"""The benchmarks' own tests (``pytest bench/tests``; ``make test`` runs them too). Most start
gunicorn, so their modules are marked e2e."""
