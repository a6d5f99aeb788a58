"""Rasa input channels of our own (Telegram, built on python-telegram-bot)."""
