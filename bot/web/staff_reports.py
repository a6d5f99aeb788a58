"""The reports page's data: GET /staff/api/reports?from=YYYY-MM-DD&to=YYYY-MM-DD.

Aggregates only (bot/store/reports.py), so any signed-in member of staff may read them;
each reading is audited like every other staff action.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.store import audit
from bot.store.reports import handoff_report
from bot.web.db_work import in_transaction
from bot.web.keys import SETTINGS
from bot.web.staff_api import Refused, date_param

routes = web.RouteTableDef()
DEFAULT_DAYS = 30
MAX_DAYS = 366


def _day(request: web.Request, name: str, default: date) -> date:
    given = date_param(request, name)
    return given.date() if given else default


@routes.get("/staff/api/reports")
async def reports(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    today = datetime.now(ZoneInfo(settings.staff_timezone)).date()
    last = _day(request, "to", today)
    first = _day(request, "from", last - timedelta(days=DEFAULT_DAYS - 1))
    if first > last:
        raise Refused(400, "from must not be after to")
    if (last - first).days >= MAX_DAYS:
        raise Refused(400, f"a report covers at most {MAX_DAYS} days")
    staff_id = request["staff"].id

    def work(db):
        audit.record(db, "report", staff_id=staff_id, detail=f"{first.isoformat()}..{last.isoformat()}")
        return handoff_report(db, settings.tracker_database_url, first, last,
                              settings.staff_timezone, settings.staff_schedule)

    return web.json_response(await in_transaction(request, work))
