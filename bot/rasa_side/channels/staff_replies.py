"""Staff replies as the channels see them: the payload bot/web/rasa_client.py sends, and
the record of whether each one reached the person (shown in the staff console)."""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, Optional

from bot.settings import settings
from bot.store.deliveries import Delivery, record_delivery

logger = logging.getLogger(__name__)


def staff_reply_in(json_message: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """The staff reply inside a custom message, or None for any other custom JSON."""
    reply = json_message.get("data") if isinstance(json_message, dict) else None
    return reply if isinstance(reply, dict) and reply.get("staff_reply") else None


async def report_delivery(reply: Dict[str, Any], conversation_id: str, delivery: Delivery) -> None:
    reply_id = reply.get("reply_id")
    if not isinstance(reply_id, str) or not reply_id:
        return
    try:
        await asyncio.get_running_loop().run_in_executor(
            None, record_delivery, settings().database_url, reply_id, conversation_id, delivery)
    except Exception:  # noqa: BLE001 - the reply itself went out (or not) either way
        logger.exception("Could not record the delivery of a staff reply")
