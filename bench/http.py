"""A tiny JSON client for the load test: http.client, loopback only, one connection
per request (gunicorn's sync workers close the connection after each response)."""

from __future__ import annotations

import http.client
import json


class Client:
    """Requests to 127.0.0.1:``port`` with an optional bearer token."""

    def __init__(self, port: int, token: str | None = None, timeout: float = 60.0):
        self.port, self.token, self.timeout = port, token, timeout

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        """(status, JSON body or {}); status 0 when the connection failed."""
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
            raw = response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as error:
            return 0, {"error": repr(error)}
        finally:
            connection.close()
        try:
            data = json.loads(raw) if raw else {}
        except ValueError:
            data = {"raw": raw[:200].decode("utf-8", "replace")}
        return status, data if isinstance(data, dict) else {"value": data}
