"""Delivery of staff replies: recorded by the channel that sent each one, shown to staff."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Tuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.models import ReplyDelivery
from bot.store.sessions import session_factory


@dataclass(frozen=True)
class Delivery:
    delivered: bool
    reason: Optional[str] = None

    def as_json(self) -> Dict:
        return {"status": "delivered" if self.delivered else "refused", "reason": self.reason}


def record_delivery(database_url: str, reply_id: str, conversation_id: str, delivery: Delivery) -> None:
    with session_factory(database_url).begin() as session:
        session.merge(ReplyDelivery(reply_id=reply_id, conversation_id=conversation_id,
                                    delivered=delivery.delivered, reason=delivery.reason))


def deliveries_of(session: Session, reply_ids: Iterable[str]) -> Dict[str, Delivery]:
    ids = [reply_id for reply_id in reply_ids if reply_id]
    if not ids:
        return {}
    rows = session.execute(select(ReplyDelivery).where(ReplyDelivery.reply_id.in_(ids))).scalars()
    return {row.reply_id: Delivery(row.delivered, row.reason) for row in rows}


def recorded_for(session: Session, conversation_ids: Iterable[str]) -> Dict[str, List[Tuple[str, Delivery]]]:
    """Each conversation's recorded deliveries (reply id, what became of it), oldest first."""
    ids = [conversation_id for conversation_id in conversation_ids if conversation_id]
    found: Dict[str, List[Tuple[str, Delivery]]] = {}
    if not ids:
        return found
    rows = session.execute(select(ReplyDelivery).where(ReplyDelivery.conversation_id.in_(ids))
                           .order_by(ReplyDelivery.at, ReplyDelivery.reply_id)).scalars()
    for row in rows:
        found.setdefault(row.conversation_id, []).append((row.reply_id, Delivery(row.delivered, row.reason)))
    return found
