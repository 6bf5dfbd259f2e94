"""Batches for platforms: many orders' routes and origin × door matrices, from request
bodies to ``geo.routing.batch`` and back. Every order is checked before any is routed:
one bad order (a start off the map, an unknown destination, a bad time) fails the batch
with the list of what is wrong."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.platforms.statements import Signer
from app.routing.service import door_network, unit_doors
from geo import settings
from geo.errors import InvalidInput, TooLarge, YouluError
from geo.geometry.coords import parse_lon_lat
from geo.hours.opening_hours import local_time
from geo.routing.batch import Order, door_matrix, route_orders


def _point(raw: Any, what: tuple[str, str]) -> tuple[float, float]:
    """``LON,LAT`` text or a [lon, lat] pair (``what``: its name in Chinese, English)."""
    if isinstance(raw, list | tuple) and len(raw) == 2:
        raw = f"{raw[0]},{raw[1]}"
    if not isinstance(raw, str):
        raise InvalidInput(f"{what[0]}应为“经度,纬度”", f"{what[1]} must be LON,LAT")
    return parse_lon_lat(raw, what)


def _list(body: Any, name: str, limit: int) -> list[Any]:
    items = body.get(name) if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise InvalidInput(f"请求体需要非空数组 {name}", f"the body needs a non-empty array {name!r}")
    if len(items) > limit:
        raise TooLarge(f"{name} 最多 {limit} 个，收到 {len(items)} 个",
                       f"at most {limit} {name} per request, got {len(items)}",
                       details={"limit": limit, "count": len(items)})
    return items


def _checked(problems: list[dict[str, Any]], index: int, check: Any) -> Any:
    """``check()``, or None with its error added to ``problems`` under ``index``."""
    try:
        return check()
    except YouluError as error:
        problems.append({"index": index, **error.to_dict()})
        return None


def _fail(problems: list[dict[str, Any]], what: tuple[str, str]) -> None:
    """Raise one error listing ``problems`` (``what``: the item in Chinese and English)."""
    if problems:
        first = problems[0]
        raise InvalidInput(f"第 {first['index'] + 1} 个{what[0]}有误：{first['message']}"
                           f"（共 {len(problems)} 处错误，见 details.errors）",
                           f"{what[1]} {first['index']}: {first['message_en']} "
                           f"({len(problems)} errors, see details.errors)",
                           details={"errors": problems})


def routes(session: Session, body: Any) -> dict[str, Any]:
    """The answers to ``body["orders"]`` (each ``from``, ``to``, ``at``), in order."""
    orders = _list(body, "orders", settings.ROUTES_MAX_ORDERS)
    has_pass = bool(body.get("pass", False))
    problems: list[dict[str, Any]] = []
    planned: list[tuple[Order, Any] | None] = []
    for i, raw in enumerate(orders):
        def plan(raw: Any = raw, i: int = i) -> tuple[Order, Any]:
            if not isinstance(raw, dict):
                raise InvalidInput("订单应为对象 {from, to, at}", "an order is an object {from, to, at}")
            start = _point(raw.get("from"), (f"订单 {i + 1} 的 from", f"from of order {i}"))
            at = local_time(raw["at"]) if raw.get("at") else None
            key, network = door_network(session, start, str(raw.get("to") or ""))
            return Order(start=start, door=key, at=at), network
        planned.append(_checked(problems, i, plan))
    _fail(problems, ("订单", "order"))
    signer = Signer(session)
    answers: list[dict[str, Any]] = []
    for item in planned:
        assert item is not None
        order, network = item
        answer = route_orders(network, [order], has_pass=has_pass)[0]
        if answer["status"] == "no_route":
            answer["statement"] = signer.statement(answer, order.door, order.at)
        answers.append(answer)
    return {"count": len(answers), "routes": answers}


def matrix(session: Session, body: Any) -> dict[str, Any]:
    """Durations and distances from ``body["origins"]`` to ``body["destinations"]``."""
    origins_raw = _list(body, "origins", settings.ROUTES_MAX_ORDERS)
    dests_raw = _list(body, "destinations", settings.ROUTES_MAX_ORDERS)
    if len(origins_raw) * len(dests_raw) > settings.MATRIX_MAX_PAIRS:
        raise TooLarge(f"起点 × 终点最多 {settings.MATRIX_MAX_PAIRS} 对",
                       f"at most {settings.MATRIX_MAX_PAIRS} origin × destination pairs")
    problems: list[dict[str, Any]] = []
    origins = [_checked(problems, i, lambda raw=raw, i=i: _point(raw, (f"起点 {i + 1}", f"origin {i}")))
               for i, raw in enumerate(origins_raw)]
    _fail(problems, ("起点", "origin"))
    found = [_checked(problems, j, lambda raw=raw: door_network(session, None, str(raw or "")))
             for j, raw in enumerate(dests_raw)]
    _fail(problems, ("终点", "destination"))
    network = found[0][1]
    destinations = [unit_doors(session, key) for key, _network in found]
    at = local_time(body.get("at")) if body.get("at") else local_time()
    result = door_matrix(network, origins, destinations, at=at,
                         has_pass=bool(body.get("pass", False)))
    return {"at": at.isoformat(), "durations": result.durations, "distances": result.distances,
            "sources": result.sources,
            "destinations": [{"to": raw, "doors": [f"{k}:{i}" for k, i in dest]}
                             for raw, dest in zip(dests_raw, destinations, strict=True)],
            "doors": [[f"{d[0]}:{d[1]}" if d else None for d in row] for row in result.doors]}
