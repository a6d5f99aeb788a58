"""One visitor sending as fast as a script can is slowed and told, and nobody else waits for
them (bot/rasa_side/channels/sender_limits.py), on the real Rasa server's socket.io channel."""
import time

from tests.web_visitor import WebVisitor


def user_texts(stack, conversation_id):
    return [e["text"] for e in stack.tracker(conversation_id)["events"] if e["event"] == "user"]


def test_a_flooding_visitor_is_held_then_told_and_a_crisis_elsewhere_is_answered_meanwhile(stack):
    flood, other = WebVisitor(stack.rasa_url), WebVisitor(stack.rasa_url)
    try:
        for n in range(20):
            flood.send(f"thanks {n}")
        # Someone else, in the middle of the flood: answered with the crisis protocol.
        other.send("i want to end my life tonight")
        crisis = [m.get("text") or "" for m in other.received(count=2, timeout=60)]
        assert any("999" in text for text in crisis), crisis

        deadline = time.monotonic() + 60
        refused = 0
        while time.monotonic() < deadline and refused < 7:
            refused += sum(1 for m in flood.received(timeout=2) if m.get("throttled") is True)
        assert refused == 7, "8 go at once, 5 are held in turn, the other 7 are refused and told"
        deadline = time.monotonic() + 30
        while len(user_texts(stack, flood.conversation_id)) < 13 and time.monotonic() < deadline:
            time.sleep(0.5)
        stored = user_texts(stack, flood.conversation_id)
        # What was admitted is handled in the order it was sent, once each.
        assert stored == [f"thanks {n}" for n in range(13)]
    finally:
        flood.close()
        other.close()
