"""Database engines and sessions (one session per unit of work)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.engine.url import make_url
from sqlalchemy.orm import sessionmaker

from bot.store.models import Base

SQLITE_BUSY_SECONDS = 30


@lru_cache(maxsize=None)
def plain_engine_for(database_url: str) -> Engine:
    """An engine with no tables created: for databases another program owns (Rasa's tracker store)."""
    url = make_url(database_url)
    options = {}
    if url.get_backend_name() == "sqlite":
        if url.database:
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        # Another writer (a purge, the other process) may hold the file for a while; wait
        # it out rather than lose a request for a person (sqlite3's default is 5 s).
        options["connect_args"] = {"timeout": SQLITE_BUSY_SECONDS}
    return create_engine(database_url, future=True, pool_pre_ping=True, **options)


@lru_cache(maxsize=None)
def engine_for(database_url: str) -> Engine:
    """The handoff store's engine; creates its tables on first use."""
    engine = plain_engine_for(database_url)
    Base.metadata.create_all(engine)
    return engine


def session_factory(database_url: str) -> sessionmaker:
    return sessionmaker(bind=engine_for(database_url), future=True, expire_on_commit=False)
