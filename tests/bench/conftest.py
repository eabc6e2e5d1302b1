"""The bench harness on tiny numbers: it starts gunicorn, so these are end-to-end tests."""

import pytest

pytestmark = pytest.mark.e2e
