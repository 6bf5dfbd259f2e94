"""Open311 GeoReport v2 without Flask: Youlu's states as ``open``/``closed``, the
specification's date format (W3C ISO 8601 with a zone), and its XML shapes
(``<services><service>…``, ``<errors><error>…``), encoded as UTF-8 with the XML
declaration. See http://wiki.open311.org/GeoReport_v2/."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree

from geo.errors import InvalidInput

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
FORMATS = {"json": "application/json", "xml": "text/xml"}
CLOSED_STATES = ("resolved", "rejected")
OPEN311_STATES = ("open", "closed")
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
# The element name of one item in a list field (the specification's plural → singular).
ITEM_TAG = {"service_requests": "request", "services": "service", "errors": "error",
            "endpoints": "endpoint", "formats": "format", "attributes": "attribute",
            "values": "value"}


def open311_status(status: str) -> str:
    """``open`` or ``closed`` for a Youlu report state (one of ``geo.reports.STATUS_ZH``)."""
    return "closed" if status in CLOSED_STATES else "open"


def w3c(moment: datetime) -> str:
    """``moment`` (aware) as the specification's date-time, in UTC with ``Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_w3c(text: str, *, field: str) -> datetime:
    """An aware datetime from an ISO 8601 date-time that carries its zone; ``InvalidInput``
    otherwise."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise InvalidInput(f"{field} 应为带时区的 ISO 8601 时间，如 2026-12-01T08:00:00Z",
                           f"{field} must be an ISO 8601 date-time with a zone, got {text!r}",
                           details={"field": field})
    return moment


def _fill(parent: ElementTree.Element, tag: str, value: Any) -> None:
    element = ElementTree.SubElement(parent, tag)
    if isinstance(value, Mapping):
        for key, inner in value.items():
            _fill(element, key, inner)
    elif isinstance(value, list | tuple):
        for inner in value:
            _fill(element, ITEM_TAG.get(tag, "item"), inner)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)


def to_xml(root: str, body: Sequence[Any] | Mapping[str, Any]) -> bytes:
    """The XML document of a list (items named by ``ITEM_TAG[root]``) or a mapping under
    the element ``root``, UTF-8 with its declaration."""
    top = ElementTree.Element(root)
    if isinstance(body, Mapping):
        for key, value in body.items():
            _fill(top, key, value)
    else:
        for item in body:
            _fill(top, ITEM_TAG[root], item)
    return XML_DECLARATION + ElementTree.tostring(top, encoding="unicode").encode()
