"""The deployment settings the actions use, loaded once per action-server process."""
from functools import lru_cache

from bot.config import Settings, load_settings


@lru_cache(maxsize=1)
def settings() -> Settings:
    return load_settings()
