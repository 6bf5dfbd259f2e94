"""Checking what a scanner read: our signed plates against the published key set (the same
``geo.address.verify`` function a platform runs offline), anything else through the third-party
adapter, which never answers genuine."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from app.addresses.codes import find_by_code, full_address, place_label
from app.models import Division, PlaceFeature
from app.plates.keys import keyset
from geo.address.codes import KIND_ZH, is_code, parse_code
from geo.address.divisions import compose_full_name
from geo.address.third_party import read_third_party
from geo.address.verify import PATH_MARK, Verdict, verify_plate
from geo.errors import NotFound

MESSAGES = {
    "ok": ("真实门牌：由友路签发，签名有效", "genuine plate: issued by Youlu, signature valid"),
    "bad_signature": ("警告：签名不符，门牌可能被伪造或篡改",
                      "warning: the signature does not match; forged or altered plate"),
    "unknown_key": ("警告：签名密钥不明，门牌可能是伪造的",
                    "warning: unknown signing key; the plate may be forged"),
    "revoked_key": ("警告：此门牌的签名密钥已吊销，门牌已失效",
                    "warning: the plate's signing key has been revoked"),
    "revoked_plate": ("警告：此门牌已作废（挂失或更换），请以新门牌为准",
                      "warning: this plate has been revoked (lost or replaced)"),
    "unknown_code": ("找不到：没有地点使用这个编码（可能已删除）",
                     "not found: no place has this code (it may have been deleted)"),
    "unsigned": ("未签名：这是手工输入或分享的编码链接，不是扫描门牌得到的，无法核验真伪",
                 "unsigned: a typed or shared code link, not a scanned plate; cannot be verified"),
    "malformed": ("无法识别：这不是完整的友路门牌链接（可能残缺或被改动）",
                  "malformed: not a complete Youlu plate link (damaged or altered)"),
    "not_ours": ("不是友路签发的门牌，无法核验真伪；以下是能读出的内容",
                 "not a Youlu plate; it cannot be verified. What could be read is below"),
    "not_ours_unknown": ("不是友路签发的门牌，格式也不认识：无法核验，也读不出地址",
                         "not a Youlu plate, in a format we do not know: cannot be verified "
                         "and no address could be read"),
}


@dataclass
class PlateCheck:
    """A verdict with the place it names (when genuine) and the JSON answer."""

    verdict: Verdict
    place: PlaceFeature | None
    body: dict[str, Any]


def _place_summary(session: Session, place: PlaceFeature) -> dict[str, Any]:
    point = place.geom.representative_point()
    kind = type(place).__name__.lower()
    return {"code": place.code, "kind": kind, "kind_zh": KIND_ZH.get(kind, kind),  # type: ignore[attr-defined]
            "id": place.id, "label": place_label(session, place),
            "address": full_address(session, place),
            "location": {"lon": round(point.x, 7), "lat": round(point.y, 7)}}


def _body(reason: str, *, message: str | None = None, **extra: Any) -> dict[str, Any]:
    zh, en = MESSAGES[message or reason]
    return {"genuine": reason == "ok", "reason": reason, "message": zh, "message_en": en,
            **extra}


def _find(session: Session, code: str) -> PlaceFeature | None:
    try:
        return find_by_code(session, code)
    except NotFound:
        return None


def _ours(session: Session, verdict: Verdict) -> PlateCheck:
    signed = {"kid": verdict.kid, "issue": verdict.issue}
    if not verdict.genuine:
        return PlateCheck(verdict, None, _body(verdict.reason, ours=True,
                                               claimed_code=verdict.code, **signed))
    place = _find(session, verdict.code or "")
    if place is None:
        return PlateCheck(Verdict(False, "unknown_code", verdict.code, verdict.kid,
                                  verdict.issue), None,
                          _body("unknown_code", ours=True, claimed_code=verdict.code, **signed))
    summary = _place_summary(session, place)
    if summary["code"] != verdict.code:
        summary["plate_code"] = verdict.code  # an old plate of a recoded place
    return PlateCheck(verdict, place, _body("ok", ours=True, **summary, **signed))


def division_name(session: Session, code: str | None) -> str | None:
    """The full name of the known divisions a 12-digit code starts with (at least down
    to the county), else None."""
    names: list[str] = []
    for length in (2, 4, 6, 9, 12):
        row = session.get(Division, code[:length]) if code and len(code) >= length else None
        if row is None:
            break
        names.append(row.name)
    return compose_full_name(names) if len(names) >= 3 else None


def _third_party(session: Session, text: str) -> PlateCheck:
    reading = read_third_party(text)
    details = reading.as_dict()
    details["division_name"] = division_name(session, reading.division_code)
    verdict = Verdict(False, "not_ours", reading.code)
    message = "not_ours" if reading.known_format else "not_ours_unknown"
    return PlateCheck(verdict, None, _body("not_ours", message=message, ours=False,
                                           third_party=details))


def _looks_ours(text: str, issuer: str) -> bool:
    parts = urlsplit(text.strip())
    ours = parts.netloc.lower() == urlsplit(issuer).netloc.lower()
    return ours and parts.path.upper().startswith(f"/{PATH_MARK}/")


def _unsigned(session: Session, code: str) -> PlateCheck:
    """A bare code of ours, typed or shared: the place it names, never genuine."""
    code = str(parse_code(code))
    place = _find(session, code)
    if place is None:
        return PlateCheck(Verdict(False, "unknown_code", code), None,
                          _body("unknown_code", ours=True, claimed_code=code))
    return PlateCheck(Verdict(False, "unsigned", code), place,
                      _body("unsigned", ours=True, **_place_summary(session, place)))


def check_scanned_text(session: Session, text: str, *, issuer: str) -> PlateCheck:
    """Check exactly what a scanner read (a URL, a bare code, plain text)."""
    if is_code(text):
        return _unsigned(session, text)
    verdict = verify_plate(text, keyset(session, issuer))
    if verdict.reason == "malformed" and not _looks_ours(text, issuer):
        return _third_party(session, text)
    if verdict.reason == "wrong_host":
        return _third_party(session, text)
    return _ours(session, verdict)


def check_plate_path(session: Session, path: str, *, issuer: str) -> PlateCheck:
    """Check the path of a request to this service (``/a/<code>/<kid>/<signature>``), or
    show an unsigned code link (``/a/<code>``) as unsigned."""
    rest = path.strip("/").split("/", 1)[1] if "/" in path.strip("/") else ""
    if rest and "/" not in rest and is_code(rest):
        return _unsigned(session, rest)
    verdict = verify_plate(path, keyset(session, issuer), check_host=False)
    return _ours(session, verdict)
