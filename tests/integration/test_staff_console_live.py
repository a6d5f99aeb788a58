"""The staff console stays live without a reload: the event stream, its alerts, and
polling while the stream is down (real browser, real servers)."""
import re
import uuid

import pytest
import requests
from playwright.sync_api import expect

from tests.integration.conftest import PASSWORD
from tests.integration.test_staff_console_browser import ticket_id_of

# Record what the page asks of the browser's notifications and sound, as a person would
# see and hear them; the real Notification and AudioContext still run underneath.
RECORD_ALERTS = """
window.__notified = [];
window.__beeps = 0;
const RealNotification = window.Notification;
class RecordedNotification extends RealNotification {
  constructor(title, options) { super(title, options); window.__notified.push({ title, body: options && options.body }); }
}
RecordedNotification.requestPermission = RealNotification.requestPermission.bind(RealNotification);
Object.defineProperty(RecordedNotification, "permission", { get: () => RealNotification.permission });
window.Notification = RecordedNotification;
const realStart = OscillatorNode.prototype.start;
OscillatorNode.prototype.start = function (...args) { window.__beeps += 1; return realStart.apply(this, args); };
"""


@pytest.fixture
def console(stack, browser):
    base = stack.web_url.replace("127.0.0.1", "localhost")
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    context.grant_permissions(["notifications"], origin=base)
    context.add_init_script(RECORD_ALERTS)
    page = context.new_page()
    page.goto(f"{base}/staff/login")
    page.fill("#email", "sam@clinic.test")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{base}/staff")
    yield base, context, page
    context.close()


def new_user():
    return f"live-{uuid.uuid4().hex[:10]}"


def test_a_new_handoff_appears_with_a_sound_a_notification_and_a_count_in_the_title(stack, console):
    base, context, page = console
    expect(page.locator("#live-status")).to_have_text("Live")
    page.click("#alerts")
    expect(page.locator("#alerts")).to_have_text("Alerts on")
    beeps_before = page.evaluate("window.__beeps")

    # Staff work in another tab; the queue's tab is in the background. (Headless Chromium
    # keeps every tab "visible", so the page is told it is hidden, as a background tab is.)
    other = context.new_page()
    other.goto(f"{base}/staff/review")
    other.bring_to_front()
    page.evaluate("""() => {
      Object.defineProperty(document, "hidden", { value: true, configurable: true });
      Object.defineProperty(document, "visibilityState", { value: "hidden", configurable: true });
      document.dispatchEvent(new Event("visibilitychange"));
    }""")

    user = new_user()
    stack.say(user, "I'd like to talk to a person please")
    ticket_id = ticket_id_of(stack, user)
    link = page.get_by_role("link", name=f"#{ticket_id}", exact=True)
    expect(link).to_be_visible(timeout=15_000)
    row = page.locator("#queue tr", has=link)
    expect(row).to_contain_text("I'd like to talk to a person please")
    # Other tests share this stack, so urgent handoffs may already be counted.
    expect(page).to_have_title(re.compile(r"^\(\d+(, \d+ urgent)?\) Queue"))
    notified = page.evaluate("window.__notified")
    assert {"title": f"New handoff #{ticket_id}", "body": "Open the staff console to answer."} in notified
    # The notification names the ticket, never the person's words.
    assert all("person please" not in (n["title"] + (n["body"] or "")) for n in notified)
    assert page.evaluate("window.__beeps") > beeps_before

    # A crisis is counted as urgent, with three beeps.
    urgent_user = new_user()
    beeps_before = page.evaluate("window.__beeps")
    stack.say(urgent_user, "i want to kill myself tonight")
    urgent_id = ticket_id_of(stack, urgent_user)
    expect(page.get_by_role("link", name=f"#{urgent_id}", exact=True)).to_be_visible(timeout=15_000)
    expect(page).to_have_title(re.compile(r"^\(\d+, \d+ urgent\) Queue"))
    assert {"title": f"URGENT handoff #{urgent_id}", "body": "Open the staff console to answer."} \
        in page.evaluate("window.__notified")
    assert page.evaluate("window.__beeps") >= beeps_before + 3


def test_a_ticket_page_shows_the_persons_new_message_without_a_reload(stack, console, sam):
    base, _, page = console
    user = new_user()
    stack.say(user, "/request_human")
    ticket_id = ticket_id_of(stack, user)
    assert sam.post(f"/staff/api/handoffs/{ticket_id}/claim", {}).status_code == 200
    page.goto(f"{base}/staff/tickets/{ticket_id}")
    expect(page.locator("#live-status")).to_have_text("Live")
    expect(page.locator("#summary")).to_contain_text("claimed by Sam")

    stack.say(user, "are you still there? it's been a while")
    expect(page.locator("#transcript .turn.user").last).to_contain_text("are you still there?", timeout=15_000)
    # Sam holds this ticket: a message on it alerts him too.
    titles = [n["title"] for n in page.evaluate("window.__notified")]
    assert f"New message on handoff #{ticket_id}" in titles


def test_the_queue_keeps_updating_by_polling_when_the_event_stream_is_blocked(stack, console):
    base, context, page = console
    # A proxy that does not pass event streams, say.
    context.route("**/staff/api/events*", lambda route: route.abort())
    page.reload()
    expect(page.locator("#live-status")).to_contain_text("Reconnecting", timeout=10_000)
    user = new_user()
    stack.say(user, "/request_human")
    ticket_id = ticket_id_of(stack, user)
    expect(page.get_by_role("link", name=f"#{ticket_id}", exact=True)).to_be_visible(timeout=15_000)


def test_the_event_stream_needs_a_login(stack):
    response = requests.get(f"{stack.web_url}/staff/api/events", timeout=5)
    assert response.status_code == 401
    assert requests.get(f"{stack.web_url}/staff/api/queue", timeout=5).status_code == 401


def test_the_queue_and_the_ticket_page_say_live_whether_a_staff_reply_reached_the_person(stack, console, sam):
    import time
    from tests.integration.test_handoff_loop import wait_for_ticket
    from tests.web_visitor import WebVisitor
    base, _, page = console
    visitor = WebVisitor(stack.rasa_url)
    visitor.send("/request_human")
    ticket_id = wait_for_ticket(sam, visitor.conversation_id)["id"]
    assert sam.post(f"/staff/api/handoffs/{ticket_id}/claim", {}).status_code == 200
    token = visitor.session_token
    visitor.close()  # the visitor's page went away
    time.sleep(1.5)  # for Rasa to see the socket go
    link = page.get_by_role("link", name=f"#{ticket_id}", exact=True)
    expect(link).to_be_visible(timeout=15_000)
    assert sam.post(f"/staff/api/handoffs/{ticket_id}/messages", {"text": "Sam here."}).json()[
        "delivery"]["status"] == "refused"
    expect(page.locator("#queue tr", has=link)).to_contain_text("Last staff reply NOT delivered yet", timeout=15_000)

    page.goto(f"{base}/staff/tickets/{ticket_id}")
    expect(page.locator("#live-status")).to_have_text("Live")
    news = page.locator("#delivery-news")
    sam.post(f"/staff/api/handoffs/{ticket_id}/messages", {"text": "Still here when you are back."})
    expect(news).to_contain_text("did NOT reach the person yet", timeout=15_000)
    back = WebVisitor(stack.rasa_url, claimed_session=token)  # the visitor is back
    try:
        sam.post(f"/staff/api/handoffs/{ticket_id}/messages", {"text": "Welcome back."})
        expect(news).to_contain_text("reached the person", timeout=15_000)
        expect(page.locator("#transcript .turn.staff").last).to_contain_text("delivered")
    finally:
        back.close()
