"""The whole handoff loop against the real Rasa server, action server and web app."""
import json
import time
import uuid

from tests.stack import texts


def new_user() -> str:
    return f"handoff-{uuid.uuid4().hex[:12]}"


def ticket_of(staff, user):
    for status in ("open", "claimed", "resolved"):
        for ticket in staff.get("/staff/api/handoffs", status=status, limit=200).json()["items"]:
            if ticket["conversation_id"] == user:
                return ticket
    return None


def wait_for_ticket(staff, user, timeout: float = 30):
    """The conversation's ticket once the handoff action has recorded it (a web visitor's
    messages are handled after socket.io has already answered)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ticket = ticket_of(staff, user)
        if ticket:
            return ticket
        time.sleep(0.5)
    raise AssertionError(f"no ticket within {timeout} s")


def test_request_claim_reply_pause_crisis_resolve_and_the_bot_answers_again(stack, sam):
    user = new_user()
    stack.say(user, "/greet")

    # The user asks for a person: a ticket, the honest reply, and the bot goes quiet.
    replies = texts(stack.say(user, "can i talk to a real person please"))
    assert any("asked the team at Harbour Trauma Clinic" in t and "stay quiet" in t for t in replies)
    ticket = ticket_of(sam, user)
    assert (ticket["status"], ticket["priority"], ticket["channel"]) == ("open", "normal", "rest")
    assert stack.tracker(user)["paused"] is True

    # Staff claim and reply; the reply is in the user's conversation with the staff member's name.
    assert sam.post(f"/staff/api/handoffs/{ticket['id']}/claim").status_code == 200
    assert sam.post(f"/staff/api/handoffs/{ticket['id']}/messages", {"text": "Hi, I'm here to help."}).status_code == 201
    staff_turns = [e for e in stack.tracker(user)["events"]
                   if e["event"] == "bot" and (e.get("metadata") or {}).get("staff_reply")]
    [reply] = [t["data"]["custom"]["data"] for t in staff_turns]
    assert len(reply.pop("reply_id")) == 32, "each reply has an id its delivery is recorded under"
    assert reply == {"staff_reply": True, "staff_name": "Sam", "org_name": "Harbour Trauma Clinic",
                     "text": "Hi, I'm here to help."}

    # The user writes while paused: one quiet acknowledgement, then silence; staff see every message.
    [seen] = texts(stack.say(user, "what is ptsd exactly"))
    assert "will read this" in seen and "Harbour Trauma Clinic" in seen
    assert stack.say(user, "are you still there?") == [], "one acknowledgement, not one per message"
    transcript = sam.get(f"/staff/api/handoffs/{ticket['id']}").json()["transcript"]
    assert [t["text"] for t in transcript if t["speaker"] == "user"][-2:] == ["what is ptsd exactly",
                                                                            "are you still there?"]
    assert any(t["speaker"] == "staff" and t["staff_name"] == "Sam" for t in transcript)
    assert any(t["speaker"] == "bot" and t["intent"] == "request_human" for t in transcript)

    # Crisis words during the handoff still get the crisis lines, and the ticket becomes urgent.
    replies = texts(stack.say(user, "honestly i just want to end my life"))
    assert replies[0].startswith("I'm really sorry") and "call 999" in replies[1] and "116 123" in replies[1]
    assert "urgent" in replies[2]
    assert ticket_of(sam, user)["priority"] == "urgent"
    assert stack.tracker(user)["paused"] is True, "the crisis reply must not end the handoff"

    # Resolve: the bot resumes, says so, and answers again.
    resolved = sam.post(f"/staff/api/handoffs/{ticket['id']}/resolve", {"outcome": "crisis_support"})
    assert resolved.status_code == 200 and resolved.json()["ticket"]["status"] == "resolved"
    assert stack.tracker(user)["paused"] is False
    last_bot = [e for e in stack.tracker(user)["events"] if e["event"] == "bot"][-1]
    assert "back with the automated assistant" in last_bot["text"]
    # After a crisis, no "how helpful was it?" question.
    assert not any("rate_handoff" in json.dumps(e.get("data")) for e in stack.tracker(user)["events"])
    assert any("Source:" in t for t in texts(stack.say(user, "/faq/ptsd_symptoms")))


def test_after_resolve_one_optional_question_and_the_answer_is_kept_with_the_ticket(stack, sam):
    user = new_user()
    stack.say(user, "/request_human")
    ticket = ticket_of(sam, user)
    assert sam.post(f"/staff/api/handoffs/{ticket['id']}/claim").status_code == 200
    assert sam.post(f"/staff/api/handoffs/{ticket['id']}/resolve", {"outcome": "answered"}).status_code == 200
    asked = [e for e in stack.tracker(user)["events"] if e["event"] == "bot"][-1]
    assert "how helpful" in asked["text"]
    buttons = asked["data"]["buttons"]
    assert [b["title"].split()[0] for b in buttons] == ["1", "2", "3", "4", "5"]

    [thanks] = texts(stack.say(user, buttons[3]["payload"]))
    assert thanks.startswith("Thank you")
    assert ticket_of(sam, user)["satisfaction"] == 4
    # Typed instead of tapped, the person changes their mind; the newest answer counts.
    stack.say(user, "actually I'd give it a 5")
    assert ticket_of(sam, user)["satisfaction"] == 5
    # The conversation goes on as before.
    assert any("Source:" in t for t in texts(stack.say(user, "what are the symptoms of ptsd")))


def test_asking_again_while_waiting_adds_no_ticket_and_hears_the_queue(stack, sam):
    user = new_user()
    stack.say(user, "/request_human")
    assert any("already in the queue" in t for t in texts(stack.say(user, "/request_human")))
    ticket = ticket_of(sam, user)
    sam.post(f"/staff/api/handoffs/{ticket['id']}/claim")
    assert any("already has your conversation" in t for t in texts(stack.say(user, "/request_human")))
    mine = [t for s in ("open", "claimed") for t in sam.get("/staff/api/handoffs", status=s, limit=200).json()["items"]
            if t["conversation_id"] == user]
    assert len(mine) == 1


def test_saying_no_after_a_crisis_gets_the_lines_again_and_the_handoff_stays(stack, sam):
    user = new_user()
    replies = texts(stack.say(user, "i took a whole bottle of pills"))
    assert "116 123" in replies[1] and "rather not hear from staff" in replies[2]
    [reminder] = texts(stack.say(user, "no"))
    assert "116 123" in reminder and "you don't have to answer" in reminder
    ticket = ticket_of(sam, user)
    assert ticket["priority"] == "urgent" and ticket["status"] == "open"
    # Still with staff: an ordinary message after that is kept for them, with no FAQ answer.
    assert all("Source:" not in t for t in texts(stack.say(user, "/faq/ptsd_symptoms")))
    assert stack.say(user, "/faq/ptsd_symptoms") == []
    transcript = sam.get(f"/staff/api/handoffs/{ticket['id']}").json()["transcript"]
    assert transcript[-1]["speaker"] == "user"


def test_queue_puts_urgent_first_then_oldest_and_counts_each_status(stack, sam):
    normal_first, urgent_later = new_user(), new_user()
    stack.say(normal_first, "/request_human")
    stack.say(urgent_later, "i want to kill myself")
    body = sam.get("/staff/api/handoffs", status="open", limit=200).json()
    order = [t["conversation_id"] for t in body["items"]]
    assert order.index(urgent_later) < order.index(normal_first)
    priorities = [t["priority"] for t in body["items"]]
    assert priorities == sorted(priorities, key=lambda p: p != "urgent")
    assert body["counts"]["open"] >= 2 and set(body["counts"]) == {"open", "claimed", "resolved"}


def test_review_filters_by_outcome_priority_staff_and_date(stack, sam, alex):
    user = new_user()
    stack.say(user, "/request_human")
    ticket = ticket_of(alex, user)
    alex.post(f"/staff/api/handoffs/{ticket['id']}/claim")
    assert alex.post(f"/staff/api/handoffs/{ticket['id']}/resolve", {"outcome": "referred"}).status_code == 200
    alex_id = alex.get("/staff/api/session").json()["staff"]["id"]
    found = sam.get("/staff/api/handoffs", status="resolved", outcome="referred", priority="normal",
                    staff_id=alex_id, **{"from": "2020-01-01"}).json()["items"]
    assert ticket["id"] in [t["id"] for t in found]
    assert all(t["outcome"] == "referred" and t["assigned_staff"]["id"] == alex_id for t in found)
    assert sam.get("/staff/api/handoffs", status="resolved", **{"to": "2020-01-01"}).json()["items"] == []


def test_internal_notes_are_kept_on_the_ticket_and_never_reach_the_user(stack, sam):
    user = new_user()
    stack.say(user, "/request_human")
    ticket = ticket_of(sam, user)
    assert sam.post(f"/staff/api/handoffs/{ticket['id']}/notes", {"text": "Call back tomorrow"}).status_code == 201
    detail = sam.get(f"/staff/api/handoffs/{ticket['id']}").json()
    assert [n["text"] for n in detail["notes"]] == ["Call back tomorrow"]
    assert "Call back tomorrow" not in json.dumps(stack.tracker(user))


def test_every_staff_action_is_in_the_audit_log_and_only_admins_read_it(stack, sam, admin):
    user = new_user()
    stack.say(user, "/request_human")
    ticket = ticket_of(sam, user)
    sam.get(f"/staff/api/handoffs/{ticket['id']}")
    sam.post(f"/staff/api/handoffs/{ticket['id']}/claim")
    sam.post(f"/staff/api/handoffs/{ticket['id']}/messages", {"text": "hello"})
    sam.post(f"/staff/api/handoffs/{ticket['id']}/notes", {"text": "a note"})
    sam.post(f"/staff/api/handoffs/{ticket['id']}/resolve", {"outcome": "answered"})
    assert sam.get("/staff/api/audit").status_code == 403
    entries = admin.get("/staff/api/audit", limit=1000).json()["items"]
    about_ticket = [(e["action"], e["staff"]["display_name"]) for e in entries if e["ticket_id"] == ticket["id"]]
    for action in ("view", "claim", "reply", "note", "resolve"):
        assert (action, "Sam") in about_ticket
    assert all("hello" not in (e["detail"] or "") and "a note" not in (e["detail"] or "") for e in entries)


def test_openapi_describes_every_api_route(stack, sam):
    document = sam.get("/staff/api/openapi.json").json()
    assert document["openapi"].startswith("3.")
    for path in ("/staff/api/login", "/staff/api/handoffs", "/staff/api/handoffs/{ticket_id}",
                 "/staff/api/handoffs/{ticket_id}/claim", "/staff/api/handoffs/{ticket_id}/messages",
                 "/staff/api/handoffs/{ticket_id}/notes", "/staff/api/handoffs/{ticket_id}/resolve"):
        assert path in document["paths"], path


def test_an_unknown_handoff_is_a_clear_404(stack, sam):
    response = sam.post("/staff/api/handoffs/999999/claim")
    assert response.status_code == 404 and response.json()["error"]
