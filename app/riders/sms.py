"""Phone verification texts through a pluggable sender, chosen by ``SMS_SENDER``:

- ``console`` (development): writes the text to the app log with the number masked;
- ``outbox``: keeps the last texts in memory (``app.extensions["sms_outbox"]``) for
  tests and demos that read the code back;
- ``webhook``: POSTs ``{"phone", "text"}`` as JSON to ``SMS_WEBHOOK_URL`` (with
  ``Authorization: Bearer SMS_WEBHOOK_TOKEN``): an SMS gateway of your own or a small
  adapter to a provider;
- ``package.module:factory``: any production sender; ``factory(config)`` returns an
  object with ``send(phone, text)``.
"""

from __future__ import annotations

import importlib
import json
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from flask import Flask, current_app

from geo.errors import InvalidInput, ServiceUnavailable
from geo.riders.phones import mask_phone

OUTBOX_SIZE = 100
WEBHOOK_TIMEOUT_S = 10.0


class Sender(Protocol):
    """Sends one text message to a mainland mobile number (11 digits)."""

    def send(self, phone: str, text: str) -> None: ...


@dataclass
class ConsoleSender:
    """Development sender: the text goes to the app log."""

    app: Flask

    def send(self, phone: str, text: str) -> None:
        self.app.logger.warning("[短信 SMS] %s ← %s", mask_phone(phone), text)


@dataclass
class OutboxSender:
    """Keeps the last texts in memory, newest last, as ``(phone, text)`` pairs."""

    messages: deque[tuple[str, str]]

    def send(self, phone: str, text: str) -> None:
        self.messages.append((phone, text))


@dataclass
class WebhookSender:
    """POSTs each text as JSON to an HTTP gateway; any non-2xx answer is a failure."""

    url: str
    token: str | None = None

    def send(self, phone: str, text: str) -> None:
        body = json.dumps({"phone": phone, "text": text}, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_S):
                pass
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise ServiceUnavailable("短信发送失败，请稍后再试",
                                     f"the SMS gateway failed: {error}") from None


def make_sender(app: Flask) -> Sender:
    """The sender ``app.config["SMS_SENDER"]`` names."""
    name = app.config.get("SMS_SENDER") or "console"
    if name == "console":
        return ConsoleSender(app)
    if name == "outbox":
        outbox = app.extensions.setdefault("sms_outbox", deque(maxlen=OUTBOX_SIZE))
        return OutboxSender(outbox)
    if name == "webhook":
        if not app.config.get("SMS_WEBHOOK_URL"):
            raise InvalidInput("SMS_SENDER=webhook 需要设置 SMS_WEBHOOK_URL",
                               "SMS_SENDER=webhook needs SMS_WEBHOOK_URL")
        return WebhookSender(app.config["SMS_WEBHOOK_URL"], app.config.get("SMS_WEBHOOK_TOKEN"))
    module_name, _, attribute = name.partition(":")
    if not attribute:
        raise InvalidInput(f"SMS_SENDER“{name}”无效：可选 console、outbox、webhook 或 模块:工厂",
                           f"SMS_SENDER {name!r}: use console, outbox, webhook or "
                           "package.module:factory")
    factory: Any = getattr(importlib.import_module(module_name), attribute)
    config: Mapping[str, Any] = app.config
    return factory(config)


def send_text(phone: str, text: str) -> None:
    """Send ``text`` to ``phone`` through the current app's sender (made once)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    sender = app.extensions.get("sms_sender")
    if sender is None:
        sender = app.extensions["sms_sender"] = make_sender(app)
    sender.send(phone, text)
