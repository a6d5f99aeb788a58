"""Telegram text handling: escaping for HTML parse mode, light markdown, splitting, retries."""
import asyncio

from telegram.error import BadRequest, NetworkError, RetryAfter

from bot import telegram_api
from bot.rasa_side.channels.telegram_format import TELEGRAM_LIMIT, split_for_telegram, to_telegram_html


def test_markup_from_anyone_is_escaped_and_only_our_markdown_becomes_tags():
    html = to_telegram_html("**PTSD** <script>x</script> & [VA](https://www.ptsd.va.gov/a?b=1&c=2)\n- one")
    assert html.startswith("<b>PTSD</b> &lt;script&gt;x&lt;/script&gt; &amp; ")
    assert '<a href="https://www.ptsd.va.gov/a?b=1&amp;c=2">VA</a>' in html
    assert html.endswith("\n• one")


def test_only_web_links_become_links():
    assert "<a" not in to_telegram_html("[click](javascript:alert(1))")


def test_long_answers_are_split_under_the_limit_at_paragraphs_then_words():
    text = "\n\n".join(["paragraph " + "word " * 300] * 5)
    pieces = split_for_telegram(text)
    assert len(pieces) > 1
    assert all(len(to_telegram_html(p)) < TELEGRAM_LIMIT for p in pieces)
    assert " ".join(" ".join(pieces).split()) == " ".join(text.split()), "nothing lost or reordered"
    one_huge_word = split_for_telegram("x" * 9000)
    assert [len(p) for p in one_huge_word] == [3500, 3500, 2000]


def test_retries_wait_out_flood_control_and_network_errors_but_not_refusals(monkeypatch):
    waits = []

    async def no_sleep(seconds):
        waits.append(seconds)
    monkeypatch.setattr(telegram_api.asyncio, "sleep", no_sleep)

    def flaky(errors):
        async def call():
            if errors:
                raise errors.pop(0)
            return "sent"
        return call

    assert asyncio.run(telegram_api.with_retries(flaky([RetryAfter(3), NetworkError("x")]), "t")) == "sent"
    assert waits == [3.0, 1.0]  # backoff grows with the attempt number
    assert asyncio.run(telegram_api.with_retries(flaky([BadRequest("chat not found")]), "t")) is None
    assert asyncio.run(telegram_api.with_retries(flaky([NetworkError("down")] * 9), "t")) is None
