"""The ticket page as staff work in it (real browser, real Rasa, action server and web app):
the newest messages and the reply box on one screen, what the bot understood, prepared
replies, handing a ticket on, and a warning before resolving over an unanswered message."""
import uuid

import pytest
from playwright.sync_api import expect

from tests.integration.conftest import PASSWORD
from tests.integration.test_staff_console_browser import ticket_id_of
from tests.integration.test_widget_browser import AXE

LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def new_user() -> str:
    return f"ticket-page-{uuid.uuid4().hex[:10]}"


def open_console(stack, browser, viewport=LAPTOP, email="sam@clinic.test", bypass_csp=False):
    base = stack.web_url.replace("127.0.0.1", "localhost")
    # The console's CSP forbids inline scripts, and axe is injected as one.
    page = browser.new_page(viewport=viewport, bypass_csp=bypass_csp)
    page.goto(f"{base}/staff/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{base}/staff")
    return base, page


def claimed_ticket(stack, sam, user):
    stack.say(user, "/request_human")
    ticket_id = ticket_id_of(stack, user)
    assert sam.post(f"/staff/api/handoffs/{ticket_id}/claim", {}).status_code == 200
    return ticket_id


def in_view(page, selector) -> bool:
    """Whether the end of the last element matching is on screen (and, in the scrolling
    transcript, inside its box): a long message may start above the fold, its end may not."""
    return page.evaluate("""(selector) => {
      const node = [...document.querySelectorAll(selector)].pop();
      const box = node.getBoundingClientRect();
      const scroller = node.closest('.transcript');
      const frame = scroller ? scroller.getBoundingClientRect() : {top: 0, bottom: window.innerHeight};
      return box.bottom > Math.max(0, frame.top) && box.bottom <= Math.min(window.innerHeight, frame.bottom) + 1;
    }""", selector)


def test_button_choices_read_as_titles_and_each_answer_shows_its_topic_rendered(stack, browser, sam):
    user = new_user()
    stack.say(user, "what is mdma?")
    stack.say(user, "/faq/mdma_mechanism")
    ticket_id = claimed_ticket(stack, sam, user)
    base, page = open_console(stack, browser)
    try:
        page.goto(f"{base}/staff/tickets/{ticket_id}")
        transcript = page.locator("#transcript")
        choice = transcript.locator(".turn.user").nth(1)
        expect(choice.locator(".text")).to_have_text("How does it work?")
        expect(choice.locator(".about")).to_contain_text("chose a button")

        answer = choice.locator("xpath=following-sibling::li[contains(@class, 'bot')][1]")
        expect(answer.locator(".about")).to_contain_text("topic faq/mdma_mechanism (1.00)")
        # The answer reads as the person saw it: bold is bold, the source is a link, no asterisks.
        expect(answer.locator(".text strong").first).to_have_text("thought to")
        assert "**" not in answer.locator(".text").inner_text()
        source = answer.locator(".text a").first
        assert source.get_attribute("href").startswith("https://")

        first = transcript.locator(".turn.user").first.locator("xpath=following-sibling::li[contains(@class, 'bot')][1]")
        expect(first.locator(".about")).to_contain_text("topic faq/mdma_")
        assert page.locator("#transcript a[href^='javascript']").count() == 0
    finally:
        page.context.close()


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_the_newest_message_and_the_reply_box_are_on_screen_together(stack, browser, sam, viewport):
    user = new_user()
    for question in ["what is ptsd", "what are the symptoms of ptsd", "how is ptsd treated",
                     "what is mdma", "is mdma therapy legal", "what happens in a preparation session",
                     "what is integration"]:
        stack.say(user, question)
    ticket_id = claimed_ticket(stack, sam, user)
    stack.say(user, "thanks, I'll wait here for someone")
    base, page = open_console(stack, browser, viewport)
    try:
        page.goto(f"{base}/staff/tickets/{ticket_id}")
        expect(page.locator("#transcript .turn.user").last).to_contain_text("I'll wait here for someone")
        page.locator("#reply").scroll_into_view_if_needed()
        assert in_view(page, "#reply")
        assert in_view(page, "#transcript .turn"), "the newest message is out of sight of the reply box"
        # A long page would push them apart: the transcript scrolls in its own box.
        assert page.evaluate("document.querySelector('#transcript').scrollHeight") > \
            page.evaluate("document.querySelector('#transcript').clientHeight")
    finally:
        page.context.close()


def test_a_prepared_reply_is_put_in_the_box_with_my_name_to_edit_before_sending(stack, browser, sam):
    user = new_user()
    ticket_id = claimed_ticket(stack, sam, user)
    base, page = open_console(stack, browser)
    try:
        page.goto(f"{base}/staff/tickets/{ticket_id}")
        expect(page.locator("#canned option")).not_to_have_count(1)
        page.select_option("#canned", label="Introduce yourself")
        expect(page.locator("#reply")).to_have_value(
            "Hi, I'm Sam from Harbour Trauma Clinic. Thank you for waiting. I've read your conversation with the "
            "assistant. How are you doing right now?")
        # Nothing was sent by choosing it.
        assert not [e for e in stack.tracker(user)["events"] if (e.get("metadata") or {}).get("staff_reply")]
        page.fill("#reply", page.input_value("#reply") + " (edited)")
        page.click("#reply-form button")
        expect(page.locator("#transcript .turn.staff")).to_contain_text("How are you doing right now? (edited)")
    finally:
        page.context.close()


def test_a_ticket_is_handed_to_a_colleague_and_released_back_to_the_queue(stack, browser, sam, alex, admin):
    user = new_user()
    ticket_id = claimed_ticket(stack, sam, user)
    base, page = open_console(stack, browser)
    try:
        page.goto(f"{base}/staff/tickets/{ticket_id}")
        page.select_option("#assign-to", label="Alex")
        page.click("#assign")
        expect(page.locator("#summary")).to_contain_text("claimed by Alex")
        # Sam no longer holds it: he cannot reply or resolve, and cannot hand it on again.
        expect(page.locator("#reply-form button")).to_be_disabled()
        expect(page.locator("#release")).to_be_disabled()
        assert alex.post(f"/staff/api/handoffs/{ticket_id}/release", {}).status_code == 200
        expect(page.locator("#summary")).to_contain_text("open", timeout=10_000)
        expect(page.locator("#claim")).to_be_enabled()
        # The person is still with staff while the ticket waits for someone.
        assert stack.tracker(user)["paused"] is True
        audited = [(e["action"], e["staff"]["display_name"]) for e in admin.get("/staff/api/audit").json()["items"]
                   if e["ticket_id"] == ticket_id]
        assert {("assign", "Sam"), ("release", "Alex")} <= set(audited)
    finally:
        page.context.close()


def test_resolving_over_an_unanswered_message_asks_first(stack, browser, sam):
    user = new_user()
    ticket_id = claimed_ticket(stack, sam, user)
    stack.say(user, "hello? is anyone reading this")
    base, page = open_console(stack, browser)
    try:
        page.goto(f"{base}/staff/tickets/{ticket_id}")
        expect(page.locator("#transcript .turn.user").last).to_contain_text("is anyone reading this")
        page.select_option("#outcome", "answered")
        page.click("#resolve")
        warning = page.locator("#resolve-warning")
        expect(warning).to_be_visible()
        expect(page.locator("#summary")).to_contain_text("claimed")
        page.click("#resolve-cancel")
        expect(warning).to_be_hidden()

        page.fill("#reply", "Yes, I'm here.")
        page.click("#reply-form button")
        expect(page.locator("#transcript .turn.staff")).to_contain_text("Yes, I'm here.")
        # Answered now: resolving goes straight through.
        page.click("#resolve")
        expect(page.locator("#summary")).to_contain_text("resolved")
        expect(warning).to_be_hidden()
    finally:
        page.context.close()


def test_resolve_anyway_resolves(stack, browser, sam):
    user = new_user()
    ticket_id = claimed_ticket(stack, sam, user)
    stack.say(user, "one more thing before you go")
    base, page = open_console(stack, browser)
    try:
        page.goto(f"{base}/staff/tickets/{ticket_id}")
        expect(page.locator("#transcript .turn.user").last).to_contain_text("one more thing")
        page.click("#resolve")
        page.click("#resolve-anyway")
        expect(page.locator("#summary")).to_contain_text("resolved")
    finally:
        page.context.close()


def test_queue_and_ticket_pages_have_no_serious_accessibility_violations(stack, browser, sam):
    assert AXE.exists(), "run `npm ci` (make integration does) for axe-core"
    user = new_user()
    stack.say(user, "what is mdma?")
    ticket_id = claimed_ticket(stack, sam, user)
    base, page = open_console(stack, browser, bypass_csp=True)
    run_axe = """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
        .filter(v => v.impact === 'serious' || v.impact === 'critical')
        .map(v => ({id: v.id, help: v.help, targets: v.nodes.map(n => n.target)}))"""
    try:
        expect(page.locator("#live-status")).to_have_text("Live")
        page.add_script_tag(path=str(AXE))
        assert page.evaluate(run_axe) == []
        page.goto(f"{base}/staff/tickets/{ticket_id}")
        expect(page.locator("#transcript .turn.bot").first).to_be_visible()
        page.add_script_tag(path=str(AXE))
        assert page.evaluate(run_axe) == []
        page.click("#resolve")
        page.add_script_tag(path=str(AXE))
        assert page.evaluate(run_axe) == []
    finally:
        page.context.close()
