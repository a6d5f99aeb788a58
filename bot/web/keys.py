"""Typed keys of what the web app shares with its handlers (aiohttp AppKeys)."""
from aiohttp import web
from sqlalchemy.orm import sessionmaker

from bot.settings import Settings
from bot.web.rasa_client import RasaClient
from bot.web.throttle import AddressThrottle

SETTINGS = web.AppKey("settings", Settings)
HANDOFF_SESSIONS = web.AppKey("handoff_sessions", sessionmaker)
RASA = web.AppKey("rasa", RasaClient)
LOGIN_THROTTLE = web.AppKey("login_throttle", AddressThrottle)
ERASE_THROTTLE = web.AppKey("erase_throttle", AddressThrottle)
HISTORY_THROTTLE = web.AppKey("history_throttle", AddressThrottle)
STATUS_THROTTLE = web.AppKey("status_throttle", AddressThrottle)
CANNED_REPLIES = web.AppKey("canned_replies", list)
