"""How fast one sender and one address may send (bot/rasa_side/channels/sender_limits.py)."""
from bot.rasa_side.channels.sender_limits import PER_SENDER, Rate, SenderLimits


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_a_burst_goes_at_once_a_little_more_is_held_in_turn_and_a_flood_is_refused():
    clock = Clock()
    limits = SenderLimits(max_hold_seconds=10, clock=clock)
    holds = [limits.admit([("web:a", PER_SENDER)]) for _ in range(20)]
    assert holds[:8] == [0.0] * 8
    assert holds[8:13] == [2.0, 4.0, 6.0, 8.0, 10.0], "each held message has its own later turn"
    assert holds[13:] == [None] * 7
    # Refused messages reserve nothing: once the held ones are through, the sender is on rate again.
    clock.now += 12
    assert limits.admit([("web:a", PER_SENDER)]) == 0.0


def test_one_sender_flooding_leaves_another_sender_untouched():
    limits = SenderLimits(clock=Clock())
    for _ in range(30):
        limits.admit([("web:flood", PER_SENDER)])
    assert limits.admit([("web:other", PER_SENDER)]) == 0.0


def test_an_address_limit_holds_many_conversations_from_one_address():
    clock = Clock()
    limits = SenderLimits(max_hold_seconds=1, clock=clock)
    address = Rate(burst=3, per_second=1.0)
    holds = [limits.admit([(f"web:{n}", PER_SENDER), ("10.0.0.9", address)]) for n in range(6)]
    assert holds == [0.0, 0.0, 0.0, 1.0, None, None]
    assert limits.admit([("web:new", PER_SENDER), ("10.0.0.10", address)]) == 0.0, "another address is free"
