import os
import tempfile

import pytest

# The tests (and the processes they start) keep their load cache of checked rule sets to themselves.
os.environ.setdefault("RULES_CACHE_DIR", os.path.join(tempfile.mkdtemp(prefix="rules-test-cache-"), "cache"))

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def pytest_addoption(parser):
    parser.addoption("--update-goldens", action="store_true", default=False,
                     help="rewrite tests/cases/*/expected.* from the current output")


@pytest.fixture
def update_goldens(request):
    return request.config.getoption("--update-goldens") or os.environ.get("UPDATE_GOLDENS") == "1"
