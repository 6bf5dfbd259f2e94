"""Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by
Playwright (never a downloaded browser), the app served by a real werkzeug server thread
on 127.0.0.1, and every request that leaves 127.0.0.1 aborted and recorded."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from playwright.sync_api import Browser, Page, Playwright, sync_playwright
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


@contextmanager
def chromium() -> Iterator[tuple[Playwright, Browser]]:
    """Playwright and Debian's Chromium, headless."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield playwright, browser
        finally:
            browser.close()


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """``app`` on a real HTTP server thread at 127.0.0.1 on a free port; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


@dataclass
class Visit:
    """A page in its own browser context, with what it logged and tried to fetch outside."""

    page: Page
    base: str
    console_errors: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def screenshot(self, name: str) -> Path:
        """Save a screenshot under artifacts/maps/ (kept as a test artefact)."""
        path = ARTIFACTS / "maps" / f"{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(path))
        return path

    def close(self) -> None:
        self.page.context.close()


def visit(browser: Browser, base: str, path: str, *, context: dict[str, Any] | None = None,
          wait_for: str | None = None) -> Visit:
    """Open ``base + path`` in a fresh context; requests not to ``base`` are aborted and
    recorded, console errors, page errors and dialogs are collected."""
    ctx = browser.new_context(**(context or DESKTOP))
    page = ctx.new_page()
    seen = Visit(page, base)

    def guard(route: Any) -> None:
        if route.request.url.startswith(base + "/"):
            route.continue_()
        else:
            seen.outside.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    page.on("console", lambda m: seen.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen.console_errors.append(f"page error: {e}"))

    def on_dialog(dialog: Any) -> None:
        seen.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.goto(base + path)
    if wait_for:
        page.wait_for_selector(wait_for, state="attached")
    return seen
