"""The clinic lead's report, computed from a handoff store and tracker table written here."""
import json
from datetime import date, datetime, timezone

from sqlalchemy import insert

from bot.store.models import AuditEntry, HandoffRating, HandoffTicket, Priority, TicketStatus
from bot.store.reports import handoff_report, percentile
from bot.store.sessions import engine_for, session_factory
from bot.store.tracker_events import EVENTS

SCHEDULE, ZONE = "Mon-Fri 09:00-17:00", "Europe/London"


def at(day, hour, minute=0):
    return datetime(2026, 11, day, hour, minute, tzinfo=timezone.utc)


def user_event(moment, intent, topic=None):
    parse = {"intent": {"name": intent, **({"full_retrieval_intent_name": topic} if topic else {})}}
    return {"sender_id": "x", "type_name": "user", "timestamp": moment.timestamp(), "intent_name": intent,
            "data": json.dumps({"text": "words nobody may see", "parse_data": parse})}


def test_percentiles_are_nearest_rank():
    assert percentile([], 0.5) is None
    assert percentile([5.0], 0.9) == 5.0
    assert (percentile(list(range(1, 11)), 0.5), percentile(list(range(1, 11)), 0.9)) == (5, 9)


def test_the_report_counts_times_ratings_topics_and_misses_without_anyones_words(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = engine_for(url)
    EVENTS.metadata.create_all(engine)
    # Tue 24 Nov 10:00 (staffed), Sat 28 Nov 03:00 (out of hours), and one outside the range.
    with session_factory(url).begin() as session:
        staffed = HandoffTicket(conversation_id="a", channel="rest", priority=Priority.normal, reason="request_human",
                                created_at=at(24, 10), status=TicketStatus.resolved, resolved_at=at(24, 11))
        night = HandoffTicket(conversation_id="b", channel="rest", priority=Priority.urgent, reason="crisis",
                              created_at=at(28, 3))
        outside = HandoffTicket(conversation_id="c", channel="rest", priority=Priority.normal, reason="x",
                                created_at=at(2, 3))
        session.add_all([staffed, night, outside])
        session.flush()
        session.add_all([AuditEntry(action="reply", ticket_id=staffed.id, at=at(24, 10, 12)),
                         AuditEntry(action="reply", ticket_id=staffed.id, at=at(24, 10, 40)),
                         AuditEntry(action="reply", ticket_id=night.id, at=at(28, 3, 30)),
                         HandoffRating(ticket_id=staffed.id, rating=4)])
    with engine.begin() as connection:
        connection.execute(insert(EVENTS), [
            user_event(at(24, 9), "faq", "faq/ptsd_symptoms"), user_event(at(25, 9), "faq", "faq/ptsd_symptoms"),
            user_event(at(25, 9, 5), "faq", "faq/mdma_session"), user_event(at(26, 9), "nlu_fallback"),
            user_event(at(3, 9), "nlu_fallback")])

    with session_factory(url)() as session:
        report = handoff_report(session, url, date(2026, 11, 23), date(2026, 11, 29), ZONE, SCHEDULE)

    assert (report["handoffs"]["total"], report["handoffs"]["urgent"], report["handoffs"]["out_of_hours"]) == (2, 1, 1)
    assert report["handoffs"]["out_of_hours_share"] == 0.5
    per_day = {d["day"]: (d["normal"], d["urgent"]) for d in report["handoffs"]["per_day"]}
    assert len(per_day) == 7 and per_day["2026-11-24"] == (1, 0) and per_day["2026-11-28"] == (0, 1)
    # First replies after 12 and 30 minutes (the later reply on the first ticket does not count).
    assert report["minutes_to_first_reply"] == {"n": 2, "median": 12.0, "p90": 30.0}
    assert report["minutes_to_resolution"] == {"n": 1, "median": 60.0, "p90": 60.0}
    assert report["satisfaction"] == {"n": 1, "counts": {"1": 0, "2": 0, "3": 0, "4": 1, "5": 0}, "mean": 4.0}
    assert report["topics"] == [{"topic": "faq/ptsd_symptoms", "count": 2}, {"topic": "faq/mdma_session", "count": 1}]
    assert (report["messages"], report["unanswered"]["total"], report["unanswered"]["share"]) == (4, 1, 0.25)
    assert "words nobody may see" not in json.dumps(report) and '"a"' not in json.dumps(report)
