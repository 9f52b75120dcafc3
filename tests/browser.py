"""A small Chrome DevTools Protocol client: open a page in headless Chromium and watch it.

Debian's `chromium` is driven over its DevTools websocket (the `websockets` package), so the
tests need no browser download. The page's console errors, uncaught exceptions, log errors
(a Content-Security-Policy refusal is one) and every network request are recorded.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.sync.client import connect

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--hide-scrollbars",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
]


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class PageVisit:
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    result: Any = None


class Chromium:
    """One headless Chromium with a fresh profile; `visit` loads a page and evaluates JS."""

    def __init__(self, executable: str):
        self.profile = tempfile.mkdtemp(prefix="alcap-chromium-")
        self.process = subprocess.Popen(
            [executable, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.endpoint = self._wait_for_endpoint()
        self.connections = contextlib.ExitStack()
        self.socket = self.connections.enter_context(
            connect(self.endpoint, max_size=None, open_timeout=30)
        )
        self.next_id = 0

    def _wait_for_endpoint(self) -> str:
        assert self.process.stderr is not None
        for stderr_line in self.process.stderr:
            found = re.search(r"DevTools listening on (ws://\S+)", stderr_line)
            if found:
                return found.group(1)
        raise RuntimeError(f"chromium exited ({self.process.wait()}) before DevTools listened")

    def _send(self, method: str, params: dict | None = None, session: str | None = None) -> int:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self.socket.send(json.dumps(message))
        return self.next_id

    def _call(self, method, params=None, session=None, events: list | None = None) -> dict:
        """Send a command and wait for its answer, keeping the events that arrive meanwhile."""
        wanted = self._send(method, params, session)
        while True:
            message = json.loads(self.socket.recv(timeout=60))
            if message.get("id") == wanted:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            if events is not None and "method" in message:
                events.append(message)

    def visit(self, url: str, expression: str, screenshot: Path | None = None) -> PageVisit:
        events: list[dict] = []
        target = self._call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self._call("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self._call(f"{domain}.enable", session=session, events=events)
        self._call("Page.navigate", {"url": url}, session=session, events=events)
        deadline = time.monotonic() + 60
        while not any(event["method"] == "Page.loadEventFired" for event in events):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not finish loading")
            events.append(json.loads(self.socket.recv(timeout=60)))
        evaluated = self._call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True},
            session=session,
            events=events,
        )
        if screenshot is not None:
            height = self._call(
                "Runtime.evaluate",
                {"expression": "document.documentElement.scrollHeight", "returnByValue": True},
                session=session,
                events=events,
            )["result"]["value"]
            self._call(
                "Emulation.setDeviceMetricsOverride",
                {"width": 960, "height": int(height), "deviceScaleFactor": 1, "mobile": False},
                session=session,
                events=events,
            )
            image = self._call(
                "Page.captureScreenshot", {"format": "png"}, session=session, events=events
            )
            screenshot.write_bytes(base64.b64decode(image["data"]))
        self._call("Target.closeTarget", {"targetId": target}, events=events)
        return self._summarise(events, url, evaluated)

    @staticmethod
    def _summarise(events: list[dict], url: str, evaluated: dict) -> PageVisit:
        visit = PageVisit(result=evaluated.get("result", {}).get("value"))
        if "exceptionDetails" in evaluated:
            visit.errors.append(f"evaluation: {evaluated['exceptionDetails']}")
        for event in events:
            method, params = event["method"], event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                visit.errors.append(f"console: {params.get('args')}")
            elif method == "Runtime.exceptionThrown":
                visit.errors.append(f"exception: {params.get('exceptionDetails')}")
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                visit.errors.append(f"log: {params['entry'].get('text')}")
            elif method == "Network.requestWillBeSent":
                requested = params["request"]["url"]
                if requested != url and not requested.startswith("data:"):
                    visit.requests.append(requested)
            elif method == "Network.loadingFailed" and params.get("blockedReason"):
                visit.requests.append(f"blocked: {params['blockedReason']}")
        return visit

    def close(self) -> None:
        try:
            self.connections.close()
        finally:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            shutil.rmtree(self.profile, ignore_errors=True)


def chromium_or_skip():
    """The chromium executable; in CI its absence is a failure, on a dev machine a skip."""
    import pytest

    executable = find_chromium()
    if executable:
        return executable
    message = "chromium is not installed (Debian: apt-get install chromium)"
    if os.environ.get("CI"):
        pytest.fail(message + "; the Makefile's test target installs it when CI is set")
    pytest.skip(message)
