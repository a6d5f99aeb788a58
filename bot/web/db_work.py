"""The web app's database work, on worker threads so the event loop never waits for it.

One session per unit of work, from the process's one session factory (bot/web/app.py).
The work is a function of the session that returns plain data (JSON-ready dicts, ids):
ORM objects are not carried out of their session. Password hashing (argon2, in login and
account creation) runs there too, so a login never stalls the console or the widget's
erasure requests.
"""
from __future__ import annotations

import asyncio
from typing import Callable, TypeVar

from aiohttp import web
from sqlalchemy.orm import Session

from bot.web.keys import HANDOFF_SESSIONS

T = TypeVar("T")


async def in_transaction(request: web.Request, work: Callable[[Session], T]) -> T:
    """`work` in one transaction, committed when it returns and rolled back when it raises."""
    factory = request.app[HANDOFF_SESSIONS]

    def run() -> T:
        with factory.begin() as session:
            return work(session)

    return await asyncio.get_running_loop().run_in_executor(None, run)


async def reading(request: web.Request, work: Callable[[Session], T]) -> T:
    """`work` in a session that only reads."""
    factory = request.app[HANDOFF_SESSIONS]

    def run() -> T:
        with factory() as session:
            return work(session)

    return await asyncio.get_running_loop().run_in_executor(None, run)
