"""devstack's tests run the real `make run` stack on free ports, on the app without personal settings."""

from pathlib import Path

import pytest
from devhost.testing import isolated_app_dir
from devstack.stack import PROJECT_ROOT


@pytest.fixture
def app_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return isolated_app_dir(PROJECT_ROOT, tmp_path_factory.mktemp("app"))
