"""Database engine and sessions for the handoff store (one session per unit of work)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.engine.url import make_url
from sqlalchemy.orm import sessionmaker

from bot.models import Base


@lru_cache(maxsize=None)
def engine_for(database_url: str) -> Engine:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database:
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(database_url, future=True, pool_pre_ping=True)
    Base.metadata.create_all(engine)
    return engine


def session_factory(database_url: str) -> sessionmaker:
    return sessionmaker(bind=engine_for(database_url), future=True, expire_on_commit=False)
