"""The staff console in a real browser (Debian's chromium, headless, driven by Playwright)."""
import uuid

from playwright.sync_api import expect
from sqlalchemy import select

from bot.store.sessions import session_factory
from bot.store.models import HandoffTicket

from tests.integration.conftest import PASSWORD
from tests.paths import ROOT

SCREENSHOT = ROOT / "reports" / "staff_console.png"
HOSTILE = "<script>window.__pwned = 1</script><img src=x onerror=\"window.__pwned = 2\"> **bold** [x](javascript:alert(1))"


def ticket_id_of(stack, user):
    with session_factory(stack.handoff_database_url)() as session:
        return session.execute(select(HandoffTicket.id).where(HandoffTicket.conversation_id == user)).scalar_one()


def test_staff_member_logs_in_claims_replies_and_resolves(stack, browser):
    user = f"browser-{uuid.uuid4().hex[:10]}"
    stack.say(user, HOSTILE)
    stack.say(user, "/request_human")
    # localhost, not 127.0.0.1: browsers treat it as a secure context, so the Secure cookie is kept.
    base = stack.web_url.replace("127.0.0.1", "localhost")
    page = browser.new_page(viewport={"width": 1100, "height": 900})

    page.goto(f"{base}/staff")
    expect(page).to_have_url(f"{base}/staff/login")
    page.fill("#email", "sam@clinic.test")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{base}/staff")

    # Open this user's ticket from the live queue.
    ticket_id = ticket_id_of(stack, user)
    page.get_by_role("link", name=f"#{ticket_id}", exact=True).click()
    expect(page).to_have_url(f"{base}/staff/tickets/{ticket_id}")
    transcript = page.locator("#transcript")
    expect(transcript).to_contain_text("<script>window.__pwned = 1</script>")

    page.click("#claim")
    expect(page.locator("#summary")).to_contain_text("claimed by Sam")
    page.fill("#reply", "Hello, this is Sam from the clinic.")
    page.click("#reply-form button")
    expect(transcript.locator(".turn.staff")).to_contain_text("Hello, this is Sam from the clinic.")
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    page.select_option("#outcome", "answered")
    page.click("#resolve")
    expect(page.locator("#summary")).to_contain_text("resolved")

    # The hostile message was shown as text: no script ran, no element was made from it.
    assert page.evaluate("window.__pwned") is None
    assert transcript.locator("script, img").count() == 0
    replies = [e for e in stack.tracker(user)["events"] if (e.get("metadata") or {}).get("staff_reply")]
    assert replies[0]["data"]["custom"]["data"]["text"] == "Hello, this is Sam from the clinic."
