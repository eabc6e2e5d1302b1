"""What the tests and the benchmarks both run, so a server under test and a server under load
start the same way: throwaway databases, a seeded organisation, gunicorn and the fold worker
on loopback (``servers``), and the scoring of comment masking and tagging against the
labelled comments (``comments_quality``). Neither tests/ nor bench/: both import it."""
