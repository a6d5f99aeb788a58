"""The website chat widget in a real browser (Debian's chromium, headless, driven by Playwright).

Everything runs against the real stack: the demo page at / from the web app, the widget
speaking socket.io to the real Rasa server (session persistence, rooms), the action
server answering, and staff replying through the staff API.
"""
import gzip
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from playwright.sync_api import expect

from bot.web.public import demo_page_policy
from tests.integration.conftest import logged_in
from tests.paths import ROOT
from tests.web_visitor import WebVisitor, conversation_of

WIDGET_DIR = ROOT / "bot" / "web" / "static" / "widget"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOT = ROOT / "reports" / "widget_360.png"
SUBPIXEL = 0.5  # px of float rounding allowed when comparing a box with the screen
STORAGE_KEY = "ptsd-chat-widget"
TITLE = "Ask about PTSD"  # data-title of the demo page's script tag

HOSTILE_STAFF_REPLY = (
    "Hello, this is Sam. <img src=x onerror=\"window.__pwned = 1\"><script>window.__pwned = 2</script> "
    "**Take your time.** See [our page](https://example.org/ptsd) or [this](javascript:window.__pwned=3)."
)


@pytest.fixture(autouse=True)
def patient_expect():
    """The first answer of a conversation waits for Rasa and the action server (welcome + answer)."""
    expect.set_options(timeout=30_000)
    yield
    expect.set_options(timeout=5_000)  # Playwright's default, for the other test modules


def new_page(browser, **context_options):
    context = browser.new_context(**{"viewport": {"width": 1100, "height": 850}, **context_options})
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    # An alert() from injected markup would be a script that ran.
    page.on("dialog", lambda dialog: (page.errors.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    return page


@pytest.fixture
def page(browser):
    opened = new_page(browser)
    yield opened
    errors = opened.errors
    opened.context.close()
    assert errors == []


class Widget:
    """The widget as a person sees it: roles and names, not implementation details."""

    def __init__(self, page):
        self.page = page
        self.launcher = page.get_by_role("button", name=TITLE)
        self.panel = page.get_by_role("dialog", name=TITLE)
        self.log = page.get_by_role("log", name="Conversation")
        self.input = page.get_by_role("textbox", name="Your message")
        self.suggestions = page.get_by_role("group", name="Suggested replies").get_by_role("button")
        self.menu_button = page.get_by_role("button", name="Conversation options")
        self.leave = page.get_by_role("button", name="Leave quickly")
        self.status = self.panel.get_by_role("status")
        self.user_messages = self.log.locator(".cw-msg--user")
        self.answers = self.log.locator(".cw-msg--bot", has_text="Source:")
        self.staff_messages = self.log.locator(".cw-msg--staff")

    def open(self):
        self.launcher.click()
        expect(self.input).to_be_focused()

    @classmethod
    def answered_once(cls, page, stack):
        """The demo page with the widget open, after one question and its answer."""
        page.goto(stack.web_url + "/")
        widget = cls(page)
        widget.open()
        widget.ask("what is ptsd")
        expect(widget.answers).to_have_count(1)
        expect(widget.suggestions.first).to_be_visible()
        return widget

    def ask(self, text):
        self.input.fill(text)
        self.input.press("Enter")
        expect(self.user_messages.last).to_contain_text(text)

    def stored(self):
        return self.page.evaluate(f"JSON.parse(sessionStorage.getItem('{STORAGE_KEY}') || 'null')")

    def session_id(self):
        return (self.stored() or {}).get("sessionId")

    def wait_for_new_session(self, old_id):
        self.page.wait_for_function(
            f"(old) => {{ const s = JSON.parse(sessionStorage.getItem('{STORAGE_KEY}') || 'null');"
            " return s && s.sessionId && s.sessionId !== old; }", arg=old_id)
        return self.session_id()


def user_texts(stack, session_token):
    return [e["text"] for e in stack.tracker(conversation_of(session_token))["events"] if e["event"] == "user"]


def focus_with(page, key, target, presses=40):
    """Press `key` until `target` has the focus, as a keyboard user would."""
    for _ in range(presses):
        page.keyboard.press(key)
        if target.evaluate("node => node.getRootNode().activeElement === node"):
            return
    raise AssertionError(f"{key} never reached {target}")


def test_visitor_asks_follows_a_suggestion_and_keeps_the_conversation_after_a_reload(stack, page):
    page.goto(stack.web_url + "/")
    expect(page).to_have_title(re.compile("Harbour Trauma Clinic"))
    widget = Widget(page)
    widget.open()
    expect(widget.status).to_have_text("Online")

    widget.ask("what is ptsd")
    expect(widget.answers).to_have_count(1)
    expect(widget.suggestions.first).to_be_visible()
    title = widget.suggestions.first.inner_text()
    widget.suggestions.first.click()
    # The title is shown as the user's message; its payload goes to the bot.
    expect(widget.user_messages.last).to_have_text(re.compile(re.escape(title)))
    expect(widget.answers).to_have_count(2)
    session_id = widget.session_id()
    said = user_texts(stack, session_id)
    assert said[0] == "what is ptsd" and said[1].startswith("/faq/") and len(said) == 2

    page.reload()
    widget.open()
    expect(widget.user_messages).to_have_count(2)
    expect(widget.user_messages.first).to_contain_text("what is ptsd")
    expect(widget.answers).to_have_count(2)
    # The same conversation goes on: its suggestions are back, and the answer reaches the
    # reloaded page (the new socket joined the session's room again).
    widget.suggestions.first.click()
    expect(widget.answers).to_have_count(3)
    assert widget.session_id() == session_id and len(user_texts(stack, session_id)) == 3

    widget.menu_button.click()
    page.get_by_role("button", name="New conversation").click()
    expect(widget.user_messages).to_have_count(0)
    expect(widget.log).to_contain_text("New conversation started.")
    new_id = widget.wait_for_new_session(session_id)
    widget.ask("what is ptsd")
    expect(widget.answers).to_have_count(1)
    assert user_texts(stack, new_id) == ["what is ptsd"] and len(user_texts(stack, session_id)) == 3


def test_widget_works_by_keyboard_alone(stack, page):
    page.goto(stack.web_url + "/")
    widget = Widget(page)
    focus_with(page, "Tab", widget.launcher)
    page.keyboard.press("Enter")
    expect(widget.input).to_be_focused()

    page.keyboard.type("what is ptsd")
    page.keyboard.press("Enter")
    expect(widget.answers).to_have_count(1)
    expect(widget.input).to_be_focused()

    # The suggested replies sit just before the input.
    expect(widget.suggestions.last).to_be_visible()
    page.keyboard.press("Shift+Tab")
    expect(widget.suggestions.last).to_be_focused()
    title = widget.suggestions.last.inner_text()
    page.keyboard.press("Enter")
    expect(widget.user_messages.last).to_have_text(re.compile(re.escape(title)))
    expect(widget.answers).to_have_count(2)
    expect(widget.input).to_be_focused()

    # The menu: open, Escape closes it and gives the focus back to its button.
    focus_with(page, "Shift+Tab", widget.menu_button)
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="New conversation")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.get_by_role("button", name="New conversation")).to_be_hidden()
    expect(widget.menu_button).to_be_focused()
    expect(widget.panel).to_be_visible()

    # Delete asks first; Escape cancels without deleting anything.
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Delete my conversation")).to_be_focused()
    page.keyboard.press("Enter")
    confirm = page.get_by_role("alertdialog", name="Delete this conversation?")
    expect(confirm).to_be_visible()
    expect(confirm.get_by_role("button", name="Cancel")).to_be_focused()
    page.keyboard.press("Escape")
    expect(confirm).to_be_hidden()
    expect(widget.menu_button).to_be_focused()
    expect(widget.answers).to_have_count(2)

    # Leave quickly is reachable from the keyboard too.
    page.keyboard.press("Shift+Tab")
    expect(widget.leave).to_be_focused()

    # Escape closes the panel and the focus goes back to the launcher.
    page.keyboard.press("Escape")
    expect(widget.panel).to_be_hidden()
    expect(widget.launcher).to_be_focused()
    page.keyboard.press("Enter")
    expect(widget.input).to_be_focused()
    expect(widget.answers).to_have_count(2)


def test_staff_reply_is_shown_as_from_a_person_and_raises_the_unread_badge(stack, page):
    page.goto(stack.web_url + "/")
    widget = Widget(page)
    widget.open()
    widget.ask("/request_human")
    expect(widget.log).to_contain_text("asked the team at Harbour Trauma Clinic")
    session_id = widget.session_id()

    sam = logged_in(stack, "sam@clinic.test")
    open_tickets = sam.get("/staff/api/handoffs", status="open").json()["items"]
    [ticket] = [t for t in open_tickets if t["conversation_id"] == conversation_of(session_id)]
    assert ticket["channel"] == "socketio"
    assert sam.post(f"/staff/api/handoffs/{ticket['id']}/claim").status_code == 200

    # The reply arrives while the panel is closed.
    page.keyboard.press("Escape")
    expect(widget.launcher).to_be_focused()
    assert sam.post(f"/staff/api/handoffs/{ticket['id']}/messages", {"text": HOSTILE_STAFF_REPLY}).status_code == 201
    expect(widget.launcher).to_contain_text("1 unread message")

    widget.open()
    expect(widget.launcher).to_be_hidden()
    staff = widget.staff_messages
    expect(staff).to_have_count(1)
    expect(staff.locator(".cw-sender")).to_contain_text("Sam")
    expect(staff.locator(".cw-sender")).to_contain_text("Staff")
    expect(staff.locator(".cw-sender")).to_contain_text("A person from Harbour Trauma Clinic")
    # Styled apart from the automated assistant.
    bot_background = widget.log.locator(".cw-msg--bot .cw-bubble").first.evaluate(
        "node => getComputedStyle(node).backgroundColor")
    assert staff.locator(".cw-bubble").evaluate("node => getComputedStyle(node).backgroundColor") != bot_background

    # The staff text went through the safe renderer: markup as text, bold and https links only.
    bubble = staff.locator(".cw-bubble")
    expect(bubble).to_contain_text('<img src=x onerror="window.__pwned = 1"><script>window.__pwned = 2</script>')
    expect(bubble.locator("strong")).to_have_text("Take your time.")
    link = bubble.get_by_role("link")
    expect(link).to_have_count(1)
    expect(link).to_have_attribute("href", "https://example.org/ptsd")
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    expect(bubble).to_contain_text("or this.")
    assert page.locator("#ptsd-chat-widget img, #ptsd-chat-widget script").count() == 0
    assert page.evaluate("window.__pwned") is None

    # After a reload the staff message is still marked as from a person.
    page.reload()
    widget.open()
    expect(widget.staff_messages.locator(".cw-staff-tag")).to_have_text("Staff")


def test_markup_typed_by_the_user_stays_text_and_answers_render_lists(stack, page):
    page.goto(stack.web_url + "/")
    widget = Widget(page)
    widget.open()
    widget.ask('<img src=x onerror="window.__pwned = 1"><b>hi</b>')
    expect(widget.user_messages.last).to_have_text(re.compile(re.escape('<img src=x onerror="window.__pwned = 1"><b>hi</b>')))
    widget.ask("/faq/mdma_session")
    answer = widget.answers.last
    expect(answer).to_be_visible()
    # The "- " lines of that answer are a real list (Rasa splits paragraphs into messages).
    expect(widget.log.locator(".cw-msg--bot ul > li")).to_have_count(3)
    assert page.locator("#ptsd-chat-widget img, #ptsd-chat-widget b").count() == 0
    assert page.evaluate("window.__pwned") is None


def test_leave_quickly_clears_the_conversation_and_goes_to_a_neutral_site(stack, page):
    exit_url = stack.web_url + "/health"
    page.add_init_script(f"window.ChatWidgetConfig = {{exitUrl: {json.dumps(exit_url)}}};")
    page.goto(stack.web_url + "/")
    widget = Widget(page)
    widget.open()
    widget.ask("what is ptsd")
    expect(widget.answers).to_have_count(1)
    assert widget.stored()["sessionId"]
    history_length = page.evaluate("history.length")

    widget.leave.click()
    expect(page).to_have_url(exit_url)
    assert page.evaluate("Object.keys(sessionStorage).concat(Object.keys(localStorage))"
                         f".filter(key => key.startsWith('{STORAGE_KEY}'))") == []
    # location.replace: no history entry was added, so Back does not lead to the chat.
    assert page.evaluate("history.length") == history_length


@pytest.fixture
def another_site(stack):
    """A clinic's own website on another origin, embedding the widget with its one script tag.

    A real server on loopback: Chromium refuses a page that Playwright makes up (no
    address, so "public") the right to load anything from 127.0.0.1.
    """
    page_html = f"""<!doctype html>
        <html lang="en"><head><title>Another clinic</title></head><body><main><h1>Another clinic</h1></main>
        <script src="{stack.web_url}/widget/chat-widget.js" data-server="{stack.rasa_url}"
                data-title="{TITLE}" data-primary-color="#ffd24d"></script></body></html>""".encode()

    class Page(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page_html)))
            self.end_headers()
            self.wfile.write(page_html)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_widget_on_another_site_deletes_the_conversation_after_confirmation(stack, page, another_site):
    # Another origin than the web app's: the erase call needs CORS.
    page.goto(another_site)
    widget = Widget(page)
    widget.open()
    widget.ask("what is ptsd")
    expect(widget.answers).to_have_count(1)
    session_id = widget.session_id()
    assert user_texts(stack, session_id) == ["what is ptsd"]
    # A light primary colour gets dark text on it.
    assert page.get_by_role("button", name="Send").evaluate("node => getComputedStyle(node).color") == "rgb(26, 26, 26)"

    widget.menu_button.click()
    page.get_by_role("button", name="Delete my conversation").click()
    confirm = page.get_by_role("alertdialog", name="Delete this conversation?")
    with page.expect_response(f"{stack.web_url}/api/conversations/erase") as erased:
        confirm.get_by_role("button", name="Delete conversation").click()
    assert erased.value.status == 200
    expect(widget.log).to_contain_text("Your conversation was deleted.")
    expect(widget.user_messages).to_have_count(0)
    expect(widget.input).to_be_focused()
    assert user_texts(stack, session_id) == []
    assert widget.wait_for_new_session(session_id) != session_id


def test_widget_fits_a_360_and_a_320_pixel_screen(stack, browser):
    page = new_page(browser, viewport={"width": 360, "height": 740})
    try:
        widget = Widget.answered_once(page, stack)
        for width, height in ((360, 740), (320, 568)):
            page.set_viewport_size({"width": width, "height": height})
            box = widget.panel.bounding_box()
            # Chromium lays out in 1/64 px and reports boxes as floats (740.00001 on a
            # 740 px screen); half a pixel is still far from a visible overflow.
            assert box["x"] >= -SUBPIXEL and box["x"] + box["width"] <= width + SUBPIXEL
            assert box["height"] <= height + SUBPIXEL
            for control in (widget.leave, widget.menu_button, widget.input,
                            page.get_by_role("button", name="Send"), page.get_by_role("button", name="Close chat")):
                expect(control).to_be_in_viewport(ratio=1)
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            assert widget.log.evaluate("node => node.scrollWidth <= node.clientWidth")
            if width == 360:
                SCREENSHOT.parent.mkdir(exist_ok=True)
                page.screenshot(path=str(SCREENSHOT))
        assert page.errors == []
    finally:
        page.context.close()


def test_open_widget_has_no_serious_accessibility_violations(stack, browser):
    assert AXE.exists(), "run `npm ci` (make integration does) for axe-core"
    # The demo page's CSP forbids inline scripts, and axe is injected as one.
    page = new_page(browser, bypass_csp=True)
    try:
        widget = Widget.answered_once(page, stack)
        page.add_script_tag(path=str(AXE))
        run_axe = """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
            .map(v => ({id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map(n => n.target)}))"""

        def serious(violations):
            return [v for v in violations if v["impact"] in ("serious", "critical")]

        assert serious(page.evaluate(run_axe)) == []
        widget.menu_button.click()
        expect(page.get_by_role("button", name="New conversation")).to_be_visible()
        assert serious(page.evaluate(run_axe)) == []
        page.get_by_role("button", name="Delete my conversation").click()
        expect(page.get_by_role("alertdialog")).to_be_visible()
        assert serious(page.evaluate(run_axe)) == []
        assert page.errors == []
    finally:
        page.context.close()


def test_reduced_motion_turns_animations_off(stack, page):
    page.emulate_media(reduced_motion="reduce")
    page.goto(stack.web_url + "/")
    widget = Widget(page)
    widget.open()
    assert widget.panel.evaluate("node => getComputedStyle(node).animationName") == "none"
    page.emulate_media(reduced_motion="no-preference")
    assert widget.panel.evaluate("node => getComputedStyle(node).animationName") == "cw-in"


def test_typing_indicator_shows_until_the_answer_arrives(stack, page):
    page.goto(stack.web_url + "/")
    widget = Widget(page)
    widget.open()
    typing = widget.panel.get_by_text("The assistant is typing")
    expect(typing).to_be_hidden()
    # Checked in the same task as the send: a fast answer could otherwise hide it before a look.
    shown_at_send = page.evaluate("""() => {
        const root = document.querySelector('#ptsd-chat-widget').shadowRoot;
        root.querySelector('.cw-form .cw-input').value = 'what is ptsd';
        root.querySelector('.cw-form').requestSubmit();
        return !root.querySelector('.cw-typing').hidden;
    }""")
    assert shown_at_send
    expect(widget.answers).to_have_count(1)
    expect(typing).to_be_hidden()


def test_connection_state_is_shown_and_the_widget_recovers(stack, page):
    page.goto(stack.web_url + "/")
    widget = Widget(page)
    widget.open()
    expect(widget.status).to_have_text("Online")
    page.context.set_offline(True)
    expect(widget.status).to_contain_text("Offline")
    page.context.set_offline(False)
    expect(widget.status).to_have_text("Online")
    widget.ask("what is ptsd")
    expect(widget.answers).to_have_count(1)


def handed_off(stack, page):
    """The demo page after the visitor asked for a person, and the ticket Sam claimed."""
    page.goto(stack.web_url + "/")
    widget = Widget(page)
    widget.open()
    widget.ask("/request_human")
    expect(widget.log).to_contain_text("asked the team at Harbour Trauma Clinic")
    sam = logged_in(stack, "sam@clinic.test")
    [ticket] = [t for t in sam.get("/staff/api/handoffs", status="open").json()["items"]
                if t["conversation_id"] == conversation_of(widget.session_id())]
    assert sam.post(f"/staff/api/handoffs/{ticket['id']}/claim").status_code == 200
    return widget, sam, ticket


def test_while_a_person_is_awaited_the_widget_says_so_and_never_pretends_the_bot_is_typing(stack, page):
    widget, sam, ticket = handed_off(stack, page)
    banner = widget.panel.locator(".cw-banner")
    expect(widget.status).to_have_text("Waiting for staff")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Staff are at work and will reply here")
    expect(banner).to_contain_text("emergency")
    widget.ask("are you still there?")
    expect(page.locator(".cw-typing")).to_be_hidden()
    page.wait_for_timeout(500)
    expect(page.locator(".cw-typing")).to_be_hidden()
    # After a reload the wait is still shown.
    page.reload()
    widget = Widget(page)
    widget.open()
    expect(widget.status).to_have_text("Waiting for staff")
    assert sam.post(f"/staff/api/handoffs/{ticket['id']}/messages", {"text": "Hello, Sam here."}).status_code == 201
    expect(widget.status).to_have_text("With Sam")
    expect(banner).to_be_hidden()
    assert sam.post(f"/staff/api/handoffs/{ticket['id']}/resolve", {"outcome": "answered"}).status_code == 200
    expect(widget.log).to_contain_text("back with the automated assistant")
    expect(widget.status).to_have_text("Online")


def test_kept_on_this_device_the_conversation_and_a_later_reply_survive_closing_the_tab(stack, browser):
    page = new_page(browser)
    widget, sam, ticket = handed_off(stack, page)
    widget.panel.get_by_role("button", name="Keep this conversation on this device").click()
    expect(widget.panel.locator(".cw-banner")).to_contain_text("Kept on this device until you choose")
    context = page.context
    page.close()  # the tab is closed
    assert sam.post(f"/staff/api/handoffs/{ticket['id']}/messages", {"text": "Sam here, when you're back."}).status_code == 201
    page = context.new_page()
    page.goto(stack.web_url + "/")
    widget = Widget(page)
    widget.open()
    expect(widget.user_messages.first).to_contain_text("/request_human")
    expect(widget.staff_messages).to_have_count(1)
    expect(widget.staff_messages).to_contain_text("Sam here, when you're back.")
    # "Leave quickly" wipes it from the device.
    widget.leave.click()
    page.goto(stack.web_url + "/")
    assert page.evaluate(f"localStorage.getItem('{STORAGE_KEY}')") is None
    Widget(page).open()
    expect(Widget(page).staff_messages).to_have_count(0)
    context.close()


def test_an_email_says_a_reply_waits_and_the_reply_is_read_back_in_the_chat(stack, browser, mailbox):
    page = new_page(browser, bypass_csp=True)  # for axe, injected as an inline script
    widget, sam, ticket = handed_off(stack, page)
    banner = widget.panel.locator(".cw-banner")
    banner.get_by_role("button", name="Email me when they reply").click()
    page.add_script_tag(path=str(AXE))
    assert page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']})).violations
        .filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => v.id)""") == []
    address = f"visitor-{ticket['id']}@example.test"
    banner.get_by_label("Your email address").fill("not an address")
    banner.get_by_role("button", name="Email me", exact=True).click()
    assert banner.get_by_label("Your email address").evaluate("input => input.validity.valid") is False
    banner.get_by_label("Your email address").fill(address)
    banner.get_by_role("button", name="Email me", exact=True).click()
    expect(banner).to_contain_text("We'll email you when a reply is waiting")
    expect(banner).to_contain_text("Kept on this device")
    # Staff see the choice, never the address.
    shown = sam.get(f"/staff/api/handoffs/{ticket['id']}").json()
    assert shown["contact"]["choice"] == "email" and address not in str(shown)

    context = page.context
    page.close()  # the visitor closed the tab
    time.sleep(1.5)  # for the server to see the socket go
    sent = sam.post(f"/staff/api/handoffs/{ticket['id']}/messages", {"text": "Sam here: the secret plan."}).json()
    assert sent["delivery"]["status"] == "refused" and sent["email_notice"] is True
    deadline = time.monotonic() + 20
    while not mailbox.to(address) and time.monotonic() < deadline:
        time.sleep(0.2)
    [email] = mailbox.to(address)
    body = email.get_payload(decode=True).decode()
    assert email["Subject"] == "A reply is waiting for you" and email["From"] == "chat@harbour.test"
    assert "https://harbour.test/chat" in body and "Harbour Trauma Clinic" in body and "999" in body
    assert "secret plan" not in body and "request_human" not in body, "the email says nothing of the conversation"
    # A second reply soon after: no second email.
    assert sam.post(f"/staff/api/handoffs/{ticket['id']}/messages", {"text": "And another."}).json()["email_notice"] is True
    time.sleep(1.5)
    assert len(mailbox.to(address)) == 1

    page = context.new_page()
    page.goto(stack.web_url + "/")
    widget = Widget(page)
    widget.open()
    expect(widget.staff_messages).to_have_count(2)
    expect(widget.staff_messages.first).to_contain_text("the secret plan")
    context.close()


def test_a_staff_reply_sent_while_the_page_was_away_is_shown_on_return_once(stack, page):
    widget, sam, ticket = handed_off(stack, page)
    page.goto("about:blank")  # the visitor went to another page in this tab
    assert sam.post(f"/staff/api/handoffs/{ticket['id']}/messages", {"text": "Sam here, reading now."}).status_code == 201
    page.go_back()
    widget = Widget(page)
    widget.open()
    expect(widget.staff_messages).to_have_count(1)
    expect(widget.staff_messages).to_contain_text("Sam here, reading now.")
    # A second visit, and a live reply after it: each message once, in order.
    page.reload()
    widget = Widget(page)
    widget.open()
    assert sam.post(f"/staff/api/handoffs/{ticket['id']}/messages", {"text": "Second reply."}).status_code == 201
    expect(widget.staff_messages).to_have_count(2)
    expect(widget.staff_messages.last).to_contain_text("Second reply.")
    page.wait_for_timeout(1000)
    expect(widget.staff_messages).to_have_count(2)


def test_a_staff_reply_sent_during_a_connection_drop_arrives_once_it_is_back(stack, page):
    widget, sam, ticket = handed_off(stack, page)
    page.context.set_offline(True)
    expect(widget.status).to_contain_text("Offline")
    assert sam.post(f"/staff/api/handoffs/{ticket['id']}/messages", {"text": "Are you still there?"}).status_code == 201
    page.wait_for_timeout(1500)
    page.context.set_offline(False)
    expect(widget.staff_messages).to_have_count(1)
    expect(widget.staff_messages).to_contain_text("Are you still there?")
    expect(widget.status).to_have_text("With Sam")


def test_crisis_numbers_can_be_tapped_to_call_and_sources_to_open(stack, page):
    page.goto(stack.web_url + "/")
    widget = Widget(page)
    widget.open()
    widget.ask("i want to kill myself tonight")
    crisis = widget.log.locator(".cw-msg--bot", has_text="Emergency")
    expect(crisis.first).to_be_visible()
    expect(widget.log.locator('a[href="tel:999"]').first).to_be_visible()
    expect(widget.log.locator('a[href="tel:116123"]').first).to_have_text("116 123")
    # Another tab is another conversation: an answer there links its source.
    other = Widget.answered_once(page.context.new_page(), stack)
    source = other.answers.locator('a[href^="https://"]').first
    expect(source).to_have_attribute("rel", "noopener noreferrer")


def asked_once(stack) -> WebVisitor:
    """A visitor who asked one question over socket.io and left; its session token stays."""
    visitor = WebVisitor(stack.rasa_url)
    visitor.send("what is ptsd")
    visitor.received()
    visitor.close()
    return visitor


def forgeries_of(token):
    return (conversation_of(token), token[:-2] + "xx", "", None, 7)


def test_history_opens_only_with_the_session_token(stack):
    visitor = asked_once(stack)
    url = f"{stack.web_url}/api/conversations/history"
    own = requests.post(url, json={"session_token": visitor.session_token}, timeout=10)
    assert own.status_code == 200 and own.headers["Access-Control-Allow-Origin"] == "*"
    sent = own.json()["messages"]
    assert [m["role"] for m in sent] == ["bot"] * len(sent) and "Source:" in sent[-1]["text"]
    assert all(set(m) <= {"role", "text", "at", "buttons"} for m in sent)  # no intents, no confidences
    for forged in forgeries_of(visitor.session_token):
        assert requests.post(url, json={"session_token": forged}, timeout=10).status_code == 403


@pytest.mark.parametrize("call, own_status", [("status", 200), ("telegram-link", 409)])
def test_the_status_and_the_telegram_link_open_only_with_the_session_token(stack, call, own_status):
    visitor = asked_once(stack)
    url = f"{stack.web_url}/api/conversations/{call}"
    for forged in forgeries_of(visitor.session_token):
        assert requests.post(url, json={"session_token": forged}, timeout=10).status_code == 403
    # This stack has no TELEGRAM_BOT_USERNAME: the owner hears that Telegram is not offered.
    own = requests.post(url, json={"session_token": visitor.session_token}, timeout=10)
    assert own.status_code == own_status and own.headers["Access-Control-Allow-Origin"] == "*"
    preflight = requests.options(url, timeout=10)
    assert preflight.status_code == 204 and "POST" in preflight.headers["Access-Control-Allow-Methods"]


def test_the_contact_choice_is_made_only_with_the_session_token(stack):
    visitor = asked_once(stack)
    url = f"{stack.web_url}/api/conversations/contact"
    for forged in forgeries_of(visitor.session_token):
        refused = requests.post(url, json={"session_token": forged, "choice": "device"}, timeout=10)
        assert refused.status_code == 403
    mine = {"session_token": visitor.session_token}
    assert requests.post(url, json={**mine, "choice": "email", "email": "nope"}, timeout=10).status_code == 400
    assert requests.post(url, json={**mine, "choice": "anything"}, timeout=10).status_code == 400
    saved = requests.post(url, json={**mine, "choice": "email", "email": "me@example.test"}, timeout=10)
    assert saved.status_code == 200 and saved.json() == {"saved": True, "choice": "email"}


def test_demo_page_policy_lets_the_page_reach_rasa_and_nothing_else(stack):
    response = requests.get(stack.web_url + "/", timeout=10)
    rasa = stack.rasa_url.removeprefix("http://")
    policy = response.headers["Content-Security-Policy"]
    assert f"connect-src 'self' http://{rasa} ws://{rasa};" in policy and "script-src 'self';" in policy
    assert f'data-server="{stack.rasa_url}"' in response.text
    assert "wss://bot.example" in demo_page_policy("https://bot.example/rasa")
    # Nothing that could break out of the header is copied into it.
    assert "connect-src 'self';" in demo_page_policy("https://bot.example; script-src *")


def test_erase_answers_cross_origin_calls_without_credentials(stack):
    preflight = requests.options(f"{stack.web_url}/api/conversations/erase", timeout=10, headers={
        "Origin": "https://another-site.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "content-type" in preflight.headers["Access-Control-Allow-Headers"].lower()
    visitor = WebVisitor(stack.rasa_url)
    visitor.close()
    erased = requests.post(f"{stack.web_url}/api/conversations/erase", json={"session_token": visitor.session_token},
                           headers={"Origin": "https://another-site.example"}, timeout=10)
    assert erased.status_code == 200 and erased.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in erased.headers


def test_widget_assets_are_the_locked_socket_io_client_and_stay_small(stack):
    vendored = WIDGET_DIR / "vendor" / "socket.io.min.js"
    lock = json.loads((ROOT / "package-lock.json").read_text())
    locked = lock["packages"]["node_modules/socket.io-client"]["version"]
    assert locked.startswith("4.") and f"Socket.IO v{locked}" in vendored.read_text()[:200]
    installed = ROOT / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"
    if installed.exists():
        assert installed.read_bytes() == vendored.read_bytes()
    assert (WIDGET_DIR / "vendor" / "socket.io-client.LICENSE").exists()
    total = 0
    for name in ("chat-widget.js", "chat-widget.css", "texts.json", "vendor/socket.io.min.js"):
        served = requests.get(f"{stack.web_url}/widget/{name}", timeout=10)
        assert served.status_code == 200
        total += len(gzip.compress(served.content, 9))
    assert total < 100 * 1024


def test_what_the_visitor_writes_while_waiting_is_marked_seen_when_staff_have_it_on_screen(stack, browser, page):
    from tests.integration.test_staff_ticket_page import open_console
    widget, sam, ticket = handed_off(stack, page)
    widget.ask("are you there? I'm scared about tomorrow")
    seen = widget.log.locator(".cw-seen")
    status = lambda: requests.post(f"{stack.web_url}/api/conversations/status",  # noqa: E731
                                   json={"session_token": widget.session_id()}, timeout=10).json()
    # Read by the API, not on anyone's screen: not seen.
    sam.get(f"/staff/api/handoffs/{ticket['id']}")
    assert status()["staff_seen_at"] is None
    assert requests.post(f"{stack.web_url}/api/conversations/status", json={"session_token": "web:forged.x"},
                         timeout=10).status_code == 403
    base, console = open_console(stack, browser)
    try:
        console.goto(f"{base}/staff/tickets/{ticket['id']}")
        expect(console.locator("#transcript")).to_contain_text("scared about tomorrow")
        expect(seen).to_have_count(1, timeout=25_000)
        expect(widget.user_messages.last).to_contain_text("Seen by staff")
        expect(widget.user_messages.first).not_to_contain_text("Seen by staff")  # asked before the wait began
        # Written while the ticket stays open on staff's screen: seen as soon as it shows there.
        widget.ask("still here")
        expect(console.locator("#transcript")).to_contain_text("still here")
        expect(seen).to_have_count(2, timeout=25_000)
    finally:
        console.close()


def test_a_visitor_typing_far_too_fast_is_told_once_to_send_again(stack, page):
    page.goto(stack.web_url + "/")
    widget = Widget(page)
    widget.open()
    for n in range(16):
        widget.ask(f"hello {n}")
    notice = widget.log.locator(".cw-notice", has_text="faster than I can read them")
    expect(notice).to_have_count(1, timeout=30_000)
    # The refused message may have been a crisis: the number and the lines come with it, tappable.
    expect(notice).to_contain_text("call 999")
    expect(notice.locator('a[href^="tel:"]', has_text="116 123")).to_have_count(1)
