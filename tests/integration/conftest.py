import json
import shutil
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import sync_playwright

from tests.integration.staff_client import StaffClient, add_staff_account
from tests.paths import MODEL
from tests.stack import free_port, running_stack

# A deployment's own configuration, to show that texts are filled from it.
CLINIC_ENV = {
    "ORG_NAME": "Harbour Trauma Clinic",
    "STAFF_HOURS": "weekdays 9am to 5pm",
    # Staffed around the clock in tests, so what the user is told does not depend on the time of day.
    "STAFF_SCHEDULE": "Mon-Sun 00:00-23:59",
    "EMERGENCY_NUMBER": "999",
    "CRISIS_LINES": json.dumps(
        [
            {"region": "UK and Ireland", "service": "Samaritans", "contact": "call 116 123"},
            {"region": "Anywhere else", "service": "Find a Helpline", "contact": "findahelpline.com"},
        ]
    ),
}
PASSWORD = "a long test password"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
STAFF = {  # email: (display name, admin)
    "sam@clinic.test": ("Sam", False),
    "alex@clinic.test": ("Alex", False),
    "admin@clinic.test": ("Admin", True),
    "lockme@clinic.test": ("Lock", False),
}


class Mailbox:
    """What a local SMTP server (aiosmtpd) received: the clinic's mail server in the tests."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def to(self, address):
        return [m for m in self.messages if m["To"] == address]


@pytest.fixture(scope="session")
def mailbox():
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    box.port = controller.port
    yield box
    controller.stop()


@pytest.fixture(scope="session")
def stack(tmp_path_factory, mailbox):
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make integration`, which trains it")
    mail = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(mailbox.port), "SMTP_STARTTLS": "false",
            "MAIL_FROM": "chat@harbour.test", "CHAT_PAGE_URL": "https://harbour.test/chat"}
    with running_stack(MODEL, tmp_path_factory.mktemp("stack"), {**CLINIC_ENV, **mail}, with_web_app=True) as running:
        for email, (name, admin) in STAFF.items():
            add_staff_account(running, email, PASSWORD, name, admin)
        yield running


def logged_in(stack, email: str) -> StaffClient:
    client = StaffClient(stack.web_url)
    assert client.login(email, PASSWORD).status_code == 200
    return client


@pytest.fixture
def sam(stack) -> StaffClient:
    return logged_in(stack, "sam@clinic.test")


@pytest.fixture
def alex(stack) -> StaffClient:
    return logged_in(stack, "alex@clinic.test")


@pytest.fixture
def admin(stack) -> StaffClient:
    return logged_in(stack, "admin@clinic.test")


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium, headless, driven by Playwright (no browser is downloaded)."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield launched
        launched.close()
