"""A staff member using the console's JSON API over HTTP, as the console pages do."""
from __future__ import annotations

import os
import subprocess
import sys
from typing import Any, Dict, Optional

import requests

from tests.paths import ROOT


def add_staff_account(stack, email: str, password: str, name: str, admin: bool = False) -> None:
    """Through the real command line: `python -m bot staff add-user EMAIL` with the password on stdin."""
    env = dict(os.environ, HANDOFF_DATABASE_URL=stack.handoff_database_url)
    command = [sys.executable, "-m", "bot", "staff", "add-user", email, "--name", name] + (["--admin"] if admin else [])
    subprocess.run(command, input=password + "\n", text=True, check=True, cwd=ROOT, env=env, capture_output=True)


class StaffClient:
    """Keeps the session cookie itself: it is Secure, and requests would not send it over plain HTTP."""

    def __init__(self, web_url: str):
        self.web_url = web_url
        self.cookie: Optional[str] = None
        self.csrf: Optional[str] = None

    def login(self, email: str, password: str) -> requests.Response:
        response = requests.post(f"{self.web_url}/staff/api/login", json={"email": email, "password": password},
                                 timeout=30)
        if response.ok:
            name, value = response.headers["Set-Cookie"].split(";")[0].split("=", 1)
            assert name == "staff_session"
            self.cookie = value
            self.csrf = response.json()["csrf_token"]
        return response

    def _headers(self, csrf: bool) -> Dict[str, str]:
        headers = {"Cookie": f"staff_session={self.cookie}"} if self.cookie else {}
        if csrf and self.csrf:
            headers["X-CSRF-Token"] = self.csrf
        return headers

    def get(self, path: str, **params: Any) -> requests.Response:
        return requests.get(f"{self.web_url}{path}", params=params, headers=self._headers(False), timeout=30,
                            allow_redirects=False)

    def post(self, path: str, body: Optional[Dict] = None, csrf: bool = True) -> requests.Response:
        return requests.post(f"{self.web_url}{path}", json=body or {}, headers=self._headers(csrf), timeout=30)
