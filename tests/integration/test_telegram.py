"""The Telegram connector: python-telegram-bot against a local stand-in of the Bot API, real Rasa behind.

Polling mode here; webhook mode in test_telegram_webhook.py.
"""
import time

import pytest
import requests

from tests.integration.conftest import CLINIC_ENV, PASSWORD
from tests.integration.staff_client import StaffClient, add_staff_account
from tests.paths import MODEL
from tests.stack import running_stack
from tests.telegram_standin import BOT_USER, TelegramStandIn, private_text

STAFF_GROUP = -4000
ALEX = {"id": 5001, "is_bot": False, "first_name": "Alex", "language_code": "en"}


@pytest.fixture(scope="module")
def telegram(tmp_path_factory):
    standin = TelegramStandIn().start()
    env = {**CLINIC_ENV, "HANDOFF_OUTBOX_DIR": str(tmp_path_factory.mktemp("outbox")), "TELEGRAM_BOT_TOKEN": standin.token, "TELEGRAM_MODE": "polling",
           "TELEGRAM_API_BASE_URL": standin.base_url, "TELEGRAM_STAFF_CHAT_ID": str(STAFF_GROUP),
           "PUBLIC_URL": "https://care.clinic.example", "TELEGRAM_POLL_PAUSE_SECONDS": "1",
           "TELEGRAM_BOT_USERNAME": BOT_USER["username"]}
    with running_stack(MODEL, tmp_path_factory.mktemp("telegram"), env, with_web_app=True) as stack:
        standin.wait_for(lambda: standin.sent("getUpdates"))
        yield standin, stack


def replies_to(standin, chat_id, count=1, timeout=30):
    return standin.wait_for(lambda: (lambda s: s if len(s) >= count else None)(standin.sent("sendMessage", chat_id)),
                            timeout)


def test_polling_mode_clears_any_webhook_and_asks_who_it_is(telegram):
    standin, _ = telegram
    methods = [c.method for c in standin.calls]
    assert "getMe" in methods and "deleteWebhook" in methods
    assert methods.index("deleteWebhook") < methods.index("getUpdates")


def test_a_question_gets_a_typing_action_then_an_html_answer_with_inline_buttons(telegram):
    standin, _ = telegram
    standin.push(private_text(1001, "/faq/ptsd_definition"))
    messages = replies_to(standin, 1001, count=2)  # the welcome, then the answer
    assert standin.sent("sendChatAction", 1001)[0]["action"] == "typing"
    welcome, answer = messages[0], messages[1]
    assert "Harbour Trauma Clinic" in welcome["text"] and "999" in welcome["text"]
    assert answer["parse_mode"] == "HTML" and "Source:" in answer["text"] and "<b>" in answer["text"]
    assert "**" not in answer["text"], "markdown must become HTML, not be shown raw"
    buttons = [row[0] for row in answer["reply_markup"]["inline_keyboard"]]
    assert 2 <= len(buttons) <= 3 and all(b["callback_data"].startswith("/") for b in buttons)


def test_a_button_press_is_answered_and_reaches_rasa_as_its_payload(telegram):
    standin, stack = telegram
    standin.push(private_text(1002, "hello"))
    replies_to(standin, 1002)
    before = len(standin.sent("sendMessage", 1002))
    standin.push({"callback_query": {
        "id": "cb-1002", "from": {**ALEX, "id": 1002}, "chat_instance": "ci-1002", "data": "/faq/ptsd_symptoms",
        "message": {"message_id": 77, "date": int(time.time()), "from": BOT_USER,
                    "chat": {"id": 1002, "type": "private"}, "text": "earlier answer"}}})
    answer = replies_to(standin, 1002, count=before + 1)[-1]
    assert standin.sent("answerCallbackQuery")[-1]["callback_query_id"] == "cb-1002"
    assert "four groups" in answer["text"] or "Source:" in answer["text"]
    user_texts = [e["text"] for e in stack.tracker("telegram:1002")["events"] if e["event"] == "user"]
    assert "/faq/ptsd_symptoms" in user_texts


@pytest.mark.parametrize("update, expected", [
    ({"sticker": {"file_id": "s1", "file_unique_id": "u1", "type": "regular", "width": 512, "height": 512,
                  "is_animated": False, "is_video": False}}, "only read text"),
    ({"voice": {"file_id": "v1", "file_unique_id": "u2", "duration": 3}}, "only read text"),
    ({"photo": [{"file_id": "p1", "file_unique_id": "u3", "width": 90, "height": 90}]}, "only read text"),
    ({"location": {"latitude": 51.5, "longitude": -0.1}}, "only read text"),
])
def test_non_text_messages_get_a_kind_reply_and_do_not_reach_rasa(telegram, update, expected):
    standin, stack = telegram
    chat_id = 2000 + len(standin.calls)
    message = private_text(chat_id, "")["message"]
    del message["text"]
    standin.push({"message": {**message, **update}})
    assert expected in replies_to(standin, chat_id)[0]["text"]
    assert [e for e in stack.tracker(f"telegram:{chat_id}")["events"] if e["event"] == "user"] == []


def test_an_edited_message_is_not_answered_twice_but_explained(telegram):
    standin, _ = telegram
    edited = private_text(1003, "what is ptsd")["message"]
    standin.push({"edited_message": {**edited, "edit_date": int(time.time())}})
    assert "didn't see your edit" in replies_to(standin, 1003)[0]["text"]


def test_group_messages_are_answered_only_when_addressed_and_never_in_the_group(telegram):
    standin, stack = telegram
    group = {"id": -100777, "type": "group", "title": "Peer support"}
    standin.push({"message": {"message_id": 5, "date": int(time.time()), "from": ALEX, "chat": group,
                              "text": "does anyone else get nightmares"}})
    standin.push({"message": {"message_id": 6, "date": int(time.time()), "from": ALEX, "chat": group,
                              "text": "@clinic_info_bot what is ptsd"}})
    [redirect] = replies_to(standin, -100777)
    assert "one-to-one" in redirect["text"]
    assert redirect["reply_markup"]["inline_keyboard"][0][0]["url"] == "https://t.me/clinic_info_bot"
    assert stack.tracker("telegram:-100777")["events"] == [] or all(
        e["event"] != "user" for e in stack.tracker("telegram:-100777")["events"])


def test_commands_start_help_human_and_privacy(telegram):
    standin, _ = telegram
    standin.push(private_text(1004, "/start"))
    assert "automated information service" in replies_to(standin, 1004)[0]["text"]
    count = len(standin.sent("sendMessage", 1004))
    standin.push(private_text(1004, "/privacy"))
    assert "Source:" in replies_to(standin, 1004, count + 1)[-1]["text"]
    count = len(standin.sent("sendMessage", 1004))
    standin.push(private_text(1004, "/human@clinic_info_bot"))
    assert "asked the team" in replies_to(standin, 1004, count + 1)[-1]["text"]


def test_delete_asks_first_then_erases_the_conversation(telegram):
    standin, stack = telegram
    standin.push(private_text(1005, "what is ptsd"))
    replies_to(standin, 1005, count=2)
    standin.push(private_text(1005, "/delete"))
    confirm = replies_to(standin, 1005, count=3)[-1]
    assert "can't be undone" in confirm["text"]
    assert stack.tracker("telegram:1005")["events"], "nothing may be deleted before the user confirms"
    [yes, _no] = confirm["reply_markup"]["inline_keyboard"][0]
    standin.push({"callback_query": {"id": "cb-del", "from": {**ALEX, "id": 1005}, "chat_instance": "c",
                                     "data": yes["callback_data"],
                                     "message": {"message_id": 9, "date": int(time.time()), "from": BOT_USER,
                                                 "chat": {"id": 1005, "type": "private"}, "text": "x"}}})
    farewell = replies_to(standin, 1005, count=4)[-1]["text"]
    # Someone hiding the chat (from a partner, say) must learn that Telegram keeps its own copy.
    assert "has been deleted" in farewell and "own Telegram app" in farewell
    assert [e for e in stack.tracker("telegram:1005")["events"] if e["event"] in ("user", "bot")] == []


def test_flood_control_is_waited_out_and_the_message_still_arrives(telegram):
    standin, _ = telegram
    standin.flood_next("sendMessage", times=1)
    started = time.monotonic()
    standin.push(private_text(1006, "/faq/ptsd_definition"))
    replies_to(standin, 1006, count=2)
    assert time.monotonic() - started >= 1.0, "Telegram asked to wait a second"


def test_one_chat_waiting_out_flood_control_does_not_hold_up_another(telegram):
    standin, _ = telegram
    standin.flood_next("sendMessage", times=1, chat_id=1010, retry_after=4)
    standin.push(private_text(1010, "/faq/ptsd_causes"))
    standin.push(private_text(1011, "/faq/ptsd_causes"))
    replies_to(standin, 1011, count=2)
    assert len(standin.sent("sendMessage", 1010)) <= 1, "chat 1010 is still waiting for Telegram"
    replies_to(standin, 1010, count=3)  # the refused try, then the welcome and the answer


def _staff(stack, email, name):
    add_staff_account(stack, email, PASSWORD, name)
    staff = StaffClient(stack.web_url)
    staff.login(email, PASSWORD)
    return staff


def _claimed_telegram_handoff(standin, stack, email, name, chat_id):
    """A Telegram user asks for a person; a new staff member logs in and claims the ticket."""
    staff = _staff(stack, email, name)
    standin.push(private_text(chat_id, "/human"))
    replies_to(standin, chat_id, count=2)
    ticket = standin.wait_for(lambda: [t for t in staff.get("/staff/api/handoffs", status="open").json()["items"]
                                       if t["conversation_id"] == f"telegram:{chat_id}"])[0]
    staff.post(f"/staff/api/handoffs/{ticket['id']}/claim")
    return staff, ticket


def test_staff_reply_reaches_the_telegram_user_signed_with_the_staff_name(telegram):
    standin, stack = telegram
    staff, ticket = _claimed_telegram_handoff(standin, stack, "tg-staff@clinic.test", "Robin", 1007)
    assert ticket["channel"] == "telegram"
    assert staff.post(f"/staff/api/handoffs/{ticket['id']}/messages", {"text": "Hi <Alex>, I'm here"}).status_code == 201
    reply = replies_to(standin, 1007, count=3)[-1]
    assert reply["text"] == "<b>Robin (Harbour Trauma Clinic), a member of staff:</b>\nHi &lt;Alex&gt;, I'm here"
    [shown] = [t for t in staff.get(f"/staff/api/handoffs/{ticket['id']}").json()["transcript"] if t["speaker"] == "staff"]
    assert shown["delivery"] == {"status": "delivered", "reason": None}
    assert staff.post(f"/staff/api/handoffs/{ticket['id']}/resolve", {"outcome": "answered"}).status_code == 200
    resumed, asked = replies_to(standin, 1007, count=5)[-2:]
    assert "back with the automated assistant" in resumed["text"]
    # Then the one optional question, its answers as buttons a thumb can reach.
    assert "how helpful" in asked["text"]
    answers = [b for row in asked["reply_markup"]["inline_keyboard"] for b in row]
    assert [b["callback_data"] for b in answers] == [f'/rate_handoff{{"rating": "{n}"}}' for n in range(1, 6)]


def test_a_reply_telegram_refuses_is_shown_to_staff_as_not_delivered(telegram):
    standin, stack = telegram
    staff, ticket = _claimed_telegram_handoff(standin, stack, "tg-blocked@clinic.test", "Kim", 1012)
    standin.block_bot(1012)
    sent = staff.post(f"/staff/api/handoffs/{ticket['id']}/messages", {"text": "Hello, this is Kim"})
    assert sent.status_code == 201
    assert sent.json()["delivery"]["status"] == "refused" and "blocked" in sent.json()["delivery"]["reason"]
    [shown] = [t for t in staff.get(f"/staff/api/handoffs/{ticket['id']}").json()["transcript"] if t["speaker"] == "staff"]
    assert shown["text"] == "Hello, this is Kim" and shown["delivery"]["status"] == "refused"


@pytest.mark.parametrize("status, description, problem", [
    (409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
     "another process polls this bot token"),
    (401, "Unauthorized", "does not accept TELEGRAM_BOT_TOKEN"),
])
def test_polling_outlives_telegram_refusing_it_and_says_why_meanwhile(telegram, status, description, problem):
    standin, stack = telegram
    chat_id = 1020 + status % 7
    standin.fail_next("getUpdates", times=4, status=status, description=description)
    health = f"{stack.rasa_url}/webhooks/telegram/"
    shown = standin.wait_for(lambda: (lambda h: h if h["status"] == "failing" else None)(
        requests.get(health, timeout=5).json()))
    assert problem in shown["problem"]
    standin.push(private_text(chat_id, "/faq/ptsd_causes"))
    assert replies_to(standin, chat_id, count=2), "polling must carry on once Telegram answers again"
    assert requests.get(health, timeout=5).json()["status"] == "ok"


def test_staff_group_is_alerted_to_new_and_urgent_handoffs_without_the_users_words(telegram):
    standin, _ = telegram
    count = len(standin.sent("sendMessage", STAFF_GROUP))
    standin.push(private_text(1008, "/human"))
    alert = replies_to(standin, STAFF_GROUP, count + 1)[-1]
    assert alert["text"].startswith("New NORMAL handoff: #") and "(request_human)" in alert["text"]
    assert "https://care.clinic.example/staff/tickets/" in alert["text"]
    count = len(standin.sent("sendMessage", STAFF_GROUP))
    standin.push(private_text(1008, "i want to end my life, i have the pills here"))
    raised = replies_to(standin, STAFF_GROUP, count + 1)[-1]
    assert raised["text"].startswith("Handoff raised to URGENT") and "(crisis)" in raised["text"]
    assert all("pills" not in m["text"] and "/human" not in m["text"] for m in standin.sent("sendMessage", STAFF_GROUP))


def test_a_request_kept_while_the_store_was_down_becomes_a_ticket_and_an_alert(telegram):
    """A process kept the request (the store was down) and died before writing it: the web
    app's sweep writes it with the time the person asked, and the staff group is alerted."""
    from pathlib import Path
    from bot.store import outbox
    from bot.store.models import Priority
    from bot.store.tickets import active_ticket
    from bot.store.sessions import session_factory
    standin, stack = telegram
    count = len(standin.sent("sendMessage", STAFF_GROUP))
    kept = outbox.keep(Path(stack.env["HANDOFF_OUTBOX_DIR"]), "telegram:1010", "telegram", Priority.urgent, "crisis")
    alert = replies_to(standin, STAFF_GROUP, count + 1, timeout=45)[-1]
    assert alert["text"].startswith("New URGENT handoff: #") and "(crisis)" in alert["text"]
    with session_factory(stack.handoff_database_url)() as session:
        ticket = active_ticket(session, "telegram:1010")
        assert ticket.created_at.replace(tzinfo=None).isoformat() == kept.requested_at.replace("+00:00", "")
    assert outbox.pending(Path(stack.env["HANDOFF_OUTBOX_DIR"])) == []


def test_a_web_visitor_continues_on_telegram_and_the_staff_reply_arrives_there(telegram, browser):
    """The widget's one-time t.me link joins the web conversation to a Telegram chat: the
    reply arrives in Telegram (and in the page while it is open), what the person writes
    there reaches the same ticket after the tab is closed, and the link works once."""
    from urllib.parse import parse_qs, urlsplit
    from playwright.sync_api import expect
    from tests.integration.test_widget_browser import AXE, Widget, new_page
    from tests.web_visitor import conversation_of
    standin, stack = telegram
    staff, chat_id = _staff(stack, "tg-link@clinic.test", "Noor"), 7001
    page = new_page(browser, bypass_csp=True)  # for axe, injected as an inline script
    page.goto(stack.web_url + "/")
    widget = Widget(page)
    widget.open()
    widget.ask("/request_human")
    expect(widget.log).to_contain_text("asked the team at Harbour Trauma Clinic", timeout=30_000)
    conversation = conversation_of(widget.session_id())
    [ticket] = [t for t in staff.get("/staff/api/handoffs", status="open").json()["items"]
                if t["conversation_id"] == conversation]
    assert staff.post(f"/staff/api/handoffs/{ticket['id']}/claim").status_code == 200

    banner = widget.panel.locator(".cw-banner")
    banner.get_by_role("button", name="Continue on Telegram").click()
    link = banner.get_by_role("link", name="Open Telegram")
    expect(link).to_be_visible()
    expect(banner).to_contain_text("works once, within 15 minutes")
    page.add_script_tag(path=str(AXE))
    assert page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']})).violations
        .filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => v.id)""") == []
    url = urlsplit(link.get_attribute("href"))
    assert (url.scheme, url.netloc, url.path) == ("https", "t.me", f"/{BOT_USER['username']}")
    [code] = parse_qs(url.query)["start"]

    # The person opens the link in Telegram: the bot receives /start <code>.
    standin.push(private_text(chat_id, f"/start {code}"))
    joined = replies_to(standin, chat_id)[-1]
    assert "continuing your conversation from Harbour Trauma Clinic's website" in joined["text"]
    assert staff.get(f"/staff/api/handoffs/{ticket['id']}").json()["contact"]["choice"] == "telegram"
    expect(banner).to_contain_text("continues in your Telegram chat", timeout=25_000)

    sent = staff.post(f"/staff/api/handoffs/{ticket['id']}/messages", {"text": "Noor here, I can talk now."})
    assert sent.json()["delivery"] == {"status": "delivered", "reason": None}
    reply = replies_to(standin, chat_id, count=2)[-1]
    assert reply["text"] == "<b>Noor (Harbour Trauma Clinic), a member of staff:</b>\nNoor here, I can talk now."
    # The page still open shows it too (it asks what it missed while it watches for staff).
    expect(widget.staff_messages).to_have_count(1, timeout=25_000)
    expect(widget.staff_messages).to_contain_text("Noor here, I can talk now.")
    page.context.close()  # the visitor closed the tab: Telegram carries on

    # What the person writes in Telegram reaches the same conversation and ticket.
    standin.push(private_text(chat_id, "thank you, I was worried", message_id=2))
    standin.wait_for(lambda: "thank you, I was worried" in [
        e.get("text") for e in stack.tracker(conversation)["events"] if e["event"] == "user"])
    transcript = staff.get(f"/staff/api/handoffs/{ticket['id']}").json()["transcript"]
    assert [t["text"] for t in transcript if t["speaker"] == "user"][-1] == "thank you, I was worried"
    assert not [e for e in stack.tracker(f"telegram:{chat_id}")["events"] if e["event"] == "user"]

    # The same link opened by someone else later joins nothing.
    standin.push(private_text(7002, f"/start {code}"))
    assert "expired or was already used" in replies_to(standin, 7002)[0]["text"]

    # Resolved: the bot is back in the Telegram chat, with the one question after it.
    assert staff.post(f"/staff/api/handoffs/{ticket['id']}/resolve", {"outcome": "answered"}).status_code == 200
    asked = replies_to(standin, chat_id, count=4)[-1]
    assert "how helpful" in asked["text"]


def test_a_chat_sending_far_too_fast_is_held_in_order_then_told_once(telegram):
    standin, stack = telegram
    chat_id = 1030
    for n in range(16):
        standin.push(private_text(chat_id, f"thanks {n}", message_id=n + 1))
    told = standin.wait_for(lambda: [m for m in standin.sent("sendMessage", chat_id)
                                     if "faster than I can read" in m["text"]], timeout=60)
    assert len(told) == 1
    assert "call 999" in told[0]["text"] and "116 123" in told[0]["text"], "it may have been a crisis"

    def stored():
        return [e["text"] for e in stack.tracker(f"telegram:{chat_id}")["events"] if e["event"] == "user"]
    standin.wait_for(lambda: len(stored()) >= 13, timeout=60)
    time.sleep(1)
    assert stored() == [f"thanks {n}" for n in range(13)], "8 at once, 5 held in turn, in order; 3 refused"
    assert len([m for m in standin.sent("sendMessage", chat_id) if "faster than I can read" in m["text"]]) == 1
