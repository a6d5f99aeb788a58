import json

import pytest

from tests.paths import FIXTURE_MODEL
from tests.stack import running_stack

# A deployment's own configuration, to show that texts are filled from it.
CLINIC_ENV = {
    "ORG_NAME": "Harbour Trauma Clinic",
    "STAFF_HOURS": "weekdays 9am to 5pm",
    "EMERGENCY_NUMBER": "999",
    "CRISIS_LINES": json.dumps(
        [
            {"region": "UK and Ireland", "service": "Samaritans", "contact": "call 116 123"},
            {"region": "Anywhere else", "service": "Find a Helpline", "contact": "findahelpline.com"},
        ]
    ),
}


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    if not FIXTURE_MODEL.exists():
        pytest.fail(f"{FIXTURE_MODEL} is missing: run `make integration`, which trains it")
    with running_stack(FIXTURE_MODEL, tmp_path_factory.mktemp("stack"), CLINIC_ENV) as running:
        yield running
