"""Gate check-in and check-out: a rider scans a gate's signed plate and taps once.

A tap at a gate of the compound the rider is inside logs an exit (``out``); any other
tap logs an entry (``in``). Entry needs a genuine plate, a gate open to riders now and
a valid pass for the compound (a rider vouched for by a platform the office
auto-approves gets one with the tap: ``app.riders.vouched``); exit needs a genuine plate
and an open gate (a pass that ran out while the rider was inside must not keep them
"inside" in the log).

A repeated tap is one event. The phone's page carries ``seq``, the rider's tap counter
it was drawn with; a tap changes the rider row only by a compare-and-set
``UPDATE riders SET tap_seq = seq + 1 … WHERE tap_seq = seq AND last_tap_at <= now -
window`` and stores its event under the unique ``(rider_id, seq + 1)``. A double tap,
a retry after a lost answer or a second request racing the first finds ``tap_seq``
moved on and gets the stored event back instead of a new one; so does any tap within
``CHECKIN_REPEAT_WINDOW_S`` of the last.

A tap is the busiest request of the service, so its statements are built once (below,
with bound parameters): one query (``read_tap``) of plain columns, no ORM entities, for
the phone's rider (``TapRider``), the plate's gate with the key-set slice that judges the
plate, and the rider's passes covering the compound (``TapPass``); then the
compare-and-set and the insert (one statement on PostgreSQL). The plate's signature check
is remembered (``geo.address.verify``); its key's status and revocations are read each
time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import (
    ColumnElement,
    and_,
    bindparam,
    exists,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from app.addresses.codes import community_of, find_by_code
from app.ids import get_row
from app.models import (
    Building,
    Community,
    Device,
    EntryEvent,
    Gate,
    RevokedPlate,
    Rider,
    RiderPass,
    SigningKey,
    Unit,
)
from app.plates.keys import keyset
from app.plates.verification import MESSAGES as PLATE_MESSAGES
from app.riders.service import (
    best_pass,
    covering_pass,
    covering_passes,
    covers,
    request_pass,
    rider_for_secret,
    secret_digest,
)
from app.riders.state import PassState, RiderState
from app.riders.vouched import entry_refusal
from geo import settings
from geo.address.codes import door_label, parse_code, unit_label
from geo.address.verify import PlateToken, Verdict, parse_plate_path, verify_plate
from geo.errors import Forbidden, InvalidCode, InvalidInput, NotFound, YouluError
from geo.hours.opening_hours import timezone
from geo.hours.text import describe_hours
from geo.places.checks import gate_open_to_riders
from geo.riders import passes

_GATE_COLUMNS = (Gate.id, Gate.community_id, Community.division_code, Gate.rider_access,
                 Gate.foot, Gate.ebike, Gate.opening_hours)
# The plate's key (public half, status) and whether this issue of the plate is revoked.
_PLATE_KEY = (select(SigningKey.public_key).where(SigningKey.kid == bindparam("kid"))
              .scalar_subquery(),
              select(SigningKey.status).where(SigningKey.kid == bindparam("kid"))
              .scalar_subquery(),
              exists().where(RevokedPlate.code == bindparam("code"),
                             RevokedPlate.issue == bindparam("issue")))
# The plate's gate, with its key.
_PLATE_GATE = (select(*_GATE_COLUMNS, *_PLATE_KEY)
               .join(Community, Gate.community_id == Community.id)
               .where(Gate.code == bindparam("code")))
# A tap's one read, plain columns past the ORM: the phone's rider (``TapRider``) and
# device, the plate's gate (None columns when the code names no gate of a compound) with
# its key, and the rider's passes covering the gate's compound (``TapPass``, one row each;
# None when there is none).
_TAP_RIDER = (Rider.id, Rider.tap_seq, Rider.inside_community_id, Rider.platform,
              Rider.attestation_id)
_TAP_PASS = (RiderPass.id, RiderPass.status, RiderPass.valid_until, RiderPass.requested_at,
             RiderPass.decided_by)
_TAP_READ = (select(*_TAP_RIDER, Device.id, *_GATE_COLUMNS, Community.id, *_PLATE_KEY,
                    *_TAP_PASS)
             .select_from(Device)
             .join(Rider, Device.rider_id == Rider.id)
             .outerjoin(Gate, Gate.code == bindparam("code"))
             .outerjoin(Community, Gate.community_id == Community.id)
             .outerjoin(RiderPass, and_(RiderPass.rider_id == Rider.id,
                                        covers(Gate.community_id, Community.division_code)))
             .where(Device.secret_digest == bindparam("digest")))
# Where each part of a ``_TAP_READ`` row starts.
_AT_DEVICE = len(_TAP_RIDER)
_AT_GATE = _AT_DEVICE + 1
_AT_COMPOUND = _AT_GATE + len(_GATE_COLUMNS)
_AT_PASS = _AT_COMPOUND + 1 + len(_PLATE_KEY)
# A rider's check-in state, read again when a tap finds its copy out of date.
_TAP_STATE = select(Rider.tap_seq, Rider.inside_community_id).where(Rider.id == bindparam("rider"))
_GATE_BY_ID = (select(*_GATE_COLUMNS).join(Community, Gate.community_id == Community.id)
               .where(Gate.id == bindparam("gate")))
_MOVE = (update(Rider.__table__)
         .where(Rider.id == bindparam("rider"), Rider.tap_seq == bindparam("seq"),
                or_(Rider.last_tap_at.is_(None), Rider.last_tap_at <= bindparam("cutoff")))
         .values(tap_seq=bindparam("next_seq"),
                 last_tap_at=bindparam("tapped_at", type_=Rider.last_tap_at.type),
                 updated_at=bindparam("tapped_at"),  # named: a WITH's UPDATE gets no onupdate
                 inside_community_id=bindparam("inside")))
_LOG = insert(EntryEvent.__table__).returning(EntryEvent.id)
# The event's columns a tap sets; its rider, platform and seq come from the move. Bound
# as ``event_<column>``: an UPDATE would take a parameter named as a rider column for a
# value to set.
_EVENT_COLUMNS = ("gate_id", "community_id", "unit_id", "direction", "pass_id", "at")
_MOVED = _MOVE.returning(Rider.id, Rider.platform)
# On PostgreSQL the move and the event in one statement (one round trip): the event row
# is made from the moved rider row, so none is stored when the compare-and-set missed.
_MOVED_ROW = _MOVED.cte("moved")
_MOVE_AND_LOG = (
    insert(EntryEvent.__table__)
    .from_select(["rider_id", "platform", "seq", *_EVENT_COLUMNS],
                 select(_MOVED_ROW.c.id, _MOVED_ROW.c.platform,
                        bindparam("next_seq", type_=EntryEvent.seq.type),
                        *(bindparam(f"event_{name}", type_=EntryEvent.__table__.c[name].type)
                          for name in _EVENT_COLUMNS)))
    .add_cte(_MOVED_ROW)
    .returning(EntryEvent.id))


@dataclass(frozen=True)
class GateRules:
    """A gate as a tap needs it: its id, its compound and division, and its rules for
    riders (what ``geo.places.checks.gate_open_to_riders`` reads)."""

    id: int
    community_id: int
    division_code: str | None
    rider_access: str
    foot: bool
    ebike: bool
    opening_hours: str | None


@dataclass(slots=True)
class TapRider:
    """A rider as a tap reads it (``RiderState``), kept in step with what the tap wrote."""

    id: int
    tap_seq: int
    inside_community_id: int | None
    platform: str
    attestation_id: int | None


@dataclass(frozen=True, slots=True)
class TapPass:
    """A pass as a tap judges it (``PassState``)."""

    id: int
    status: str
    valid_until: datetime | None
    requested_at: datetime
    decided_by: str | None


@dataclass(frozen=True)
class TapRead:
    """What a tap reads before it writes: the phone's rider and device, the gate of a
    genuine plate, and the rider's passes covering the gate's compound."""

    rider: RiderState
    device_id: int
    gate: GateRules
    passes: Sequence[PassState]


@dataclass(frozen=True)
class GateVisit:
    """What a rider's phone shows at a gate: the next tap's direction, the rider's tap
    counter, the pass that holds here and why a tap would be refused (None: it would
    be accepted)."""

    direction: str
    seq: int
    rider_pass: PassState | None
    pass_state: str | None
    refusal: Forbidden | None


@dataclass(frozen=True)
class Tap:
    """A stored entry or exit, as a tap's answer reports it."""

    id: int
    seq: int
    direction: str
    at: datetime
    gate_id: int | None
    unit_id: int | None


@dataclass(frozen=True)
class TapResult:
    """The event a tap stands for (``created`` is False when the tap repeated one) and
    the rider's tap counter after it, for the next tap."""

    event: Tap
    created: bool
    seq: int


def read_gate_plate(session: Session, plate_path: str) -> GateRules:
    """The gate whose genuine plate has the path ``plate_path``
    (``A/<CODE>/<KID>[.<ISSUE>]/<SIGNATURE>``, as the QR's URL carries it).

    The plate is checked by ``geo.address.verify.verify_plate`` (the platforms' offline
    verifier) against the part of the published key set it needs: its key and whether
    this issue of the plate is revoked, read with the gate in one query.

    ``Forbidden`` for a forged, altered or revoked plate; ``InvalidCode`` for the plate
    of a building or unit; ``NotFound`` for a gate no longer in the database.
    """
    path, token = _plate_token(plate_path)
    found = None
    if token is not None:
        found = session.execute(_PLATE_GATE, _plate_params(token)).first()
    if token is None or found is None:  # malformed, not a gate, or a retired code
        return _read_any_plate(session, path)
    return _genuine_gate(path, token, tuple(found))


def read_tap(session: Session, secret: str | None, plate_path: str) -> TapRead | None:
    """The rider of the phone holding device secret ``secret``, the gate whose genuine
    plate has the path ``plate_path`` and the rider's passes covering its compound, in
    one query of plain columns (the plate judged as ``read_gate_plate`` judges it, with
    its errors). None when no phone holds ``secret``."""
    path, token = _plate_token(plate_path)
    rows: Sequence[Any] = ()
    if secret and token is not None:
        rows = session.connection().execute(
            _TAP_READ, {"digest": secret_digest(secret), **_plate_params(token)}).all()
    if token is None or (rows and rows[0][_AT_COMPOUND] is None):
        found = rider_for_secret(session, secret)  # malformed, not a gate, or a retired code
        if found is None:
            return None
        gate = read_gate_plate(session, plate_path)
        return TapRead(found[0], found[1], gate, covering_passes(
            session, found[0].id, gate.community_id, gate.division_code))
    if not rows:
        return None
    first = rows[0]
    gate_and_key = (*first[_AT_GATE:_AT_COMPOUND], *first[_AT_COMPOUND + 1:_AT_PASS])
    return TapRead(TapRider(*first[:_AT_DEVICE]), first[_AT_DEVICE],
                   _genuine_gate(path, token, gate_and_key),
                   [TapPass(*row[_AT_PASS:]) for row in rows if row[_AT_PASS] is not None])


def _plate_token(plate_path: str) -> tuple[str, PlateToken | None]:
    path = "/" + plate_path.strip("/")
    try:
        return path, parse_plate_path(path)
    except ValueError:
        return path, None


def _plate_params(token: PlateToken) -> dict[str, Any]:
    return {"code": token.code, "kid": token.kid, "issue": token.issue}


def _genuine_gate(path: str, token: PlateToken, found: tuple[Any, ...]) -> GateRules:
    """The gate of a row of ``_GATE_COLUMNS`` and ``_PLATE_KEY``, once the plate at
    ``path`` is judged genuine by ``verify_plate`` against that part of the key set."""
    *gate, public_key, status, revoked = found
    keys = [{"kid": token.kid, "x": public_key, "status": status}] if public_key else []
    plates = [{"code": token.code, "issue": token.issue}] if revoked else []
    _require_genuine(verify_plate(path, {"keys": keys, "revoked_plates": plates},
                                  check_host=False))
    return GateRules(*gate)


def compound_of_plate(session: Session, plate_path: str) -> int | None:
    """The compound of the gate whose genuine plate has the path ``plate_path``, or None
    when it is not one (a registration that started at a plate revoked meanwhile still
    registers; the rider sees the plate's message at the gate)."""
    try:
        return read_gate_plate(session, plate_path).community_id
    except YouluError:
        return None


def _read_any_plate(session: Session, path: str) -> GateRules:
    verdict = verify_plate(path, keyset(session, current_app.config["PUBLIC_BASE_URL"]),
                           check_host=False)
    _require_genuine(verdict)
    code = parse_code(verdict.code or "")
    if code.kind != "gate":
        raise InvalidCode("这是楼栋或单元的门牌，请扫描小区出入口的门牌签到",
                          "this is a building or unit plate: scan a gate's plate to check in",
                          details={"reason": "not_a_gate"})
    found = session.execute(_GATE_BY_ID, {"gate": find_by_code(session, code).id}).first()
    if found is None:
        raise NotFound("这个出入口不属于任何小区", "the gate belongs to no compound")
    return GateRules(*found)


def _require_genuine(verdict: Verdict) -> None:
    if not verdict.genuine:
        zh, en = PLATE_MESSAGES[verdict.reason]
        raise Forbidden(zh, en, details={"reason": f"plate_{verdict.reason}"})


def gate_refusal(gate: GateRules, now: datetime) -> Forbidden | None:
    """Why riders may not pass ``gate`` at ``now`` (closed to riders, or outside its
    opening hours), or None."""
    if gate.rider_access == "closed" or not (gate.foot or gate.ebike):
        return Forbidden("此门不对骑手开放，请从其他出入口进出",
                         "this gate is closed to riders; use another gate",
                         details={"reason": "gate_closed_to_riders"})
    local = now.astimezone(timezone()).replace(tzinfo=None)
    if not gate_open_to_riders(gate, local):
        hours = describe_hours(gate.opening_hours or "")
        return Forbidden(f"此门现在关闭（开放时间：{hours}），请从其他出入口进出",
                         f"this gate is closed now (hours: {gate.opening_hours})",
                         details={"reason": "gate_closed_now", "hours": gate.opening_hours})
    return None


def visit(session: Session, rider: RiderState, gate: GateRules, *, now: datetime,
          covering: Sequence[PassState] | None = None) -> GateVisit:
    """What ``rider``'s next tap at ``gate`` would do; ``covering``: the rider's passes
    covering the gate's compound when they were read already (``read_tap``)."""
    direction = "out" if rider.inside_community_id == gate.community_id else "in"
    rider_pass: PassState | None = (
        best_pass(covering, now) if covering is not None else
        covering_pass(session, rider.id, gate.community_id, gate.division_code, now=now))
    state = passes.state(rider_pass.status, rider_pass.valid_until, now) if rider_pass else None
    refusal = gate_refusal(gate, now) or (
        entry_refusal(session, rider, gate.community_id, rider_pass, state, now=now)
        if direction == "in" else None)
    return GateVisit(direction, rider.tap_seq, rider_pass, state, refusal)


def tap(session: Session, rider: RiderState, gate: GateRules, *, seq: int,
        unit_id: int | None = None, now: datetime,
        window_s: float = settings.CHECKIN_REPEAT_WINDOW_S,
        covering: Sequence[PassState] | None = None) -> TapResult:
    """Log the rider's tap at ``gate`` drawn with tap counter ``seq`` (the request
    commits it before answering); ``covering`` as for ``visit``.

    Raises the refusal (``Forbidden``) of a closed gate or a missing, pending, expired,
    suspended or revoked pass on entry, with nothing written. Returns the stored event,
    new or (for a repeated tap) the one already logged. ``rider`` (a ``Rider`` or a
    ``TapRider``) is kept in step with what was written.
    """
    if seq > rider.tap_seq:  # a page newer than our copy of the rider: look again
        _read_again(session, rider)
        if seq > rider.tap_seq:
            raise InvalidInput("页面已过期，请刷新后再点", "the page is out of date; reload it",
                               details={"reason": "stale_page"})
    if seq < rider.tap_seq:
        return _repeat(session, rider, seq)
    seen = visit(session, rider, gate, now=now, covering=covering)
    if seen.refusal is not None:
        raise seen.refusal
    rider_pass: PassState | None = seen.rider_pass
    if seen.direction == "in" and seen.pass_state != "active":  # vouched: granted by this tap
        rider_pass = request_pass(session, rider, session.get(Community, gate.community_id),
                                  now=now)
    unit = _destination(session, unit_id, gate.community_id) if seen.direction == "in" else None
    inside = gate.community_id if seen.direction == "in" else None
    move = {"rider": rider.id, "seq": seq, "next_seq": seq + 1,
            "cutoff": now - timedelta(seconds=window_s), "tapped_at": now, "inside": inside}
    event = {"gate_id": gate.id, "community_id": gate.community_id, "unit_id": unit,
             "direction": seen.direction, "pass_id": rider_pass.id if rider_pass else None,
             "at": now}
    try:
        event_id = _move_and_log(session, move, event)
    except IntegrityError:  # cannot happen while tap_seq moves only here; never store twice
        session.rollback()  # the failed insert spoilt the transaction: undo the move too
        return _repeat(session, rider, seq)
    if event_id is None:  # nothing written
        return _repeat(session, rider, seq)
    _keep_in_step(rider, {"tap_seq": seq + 1, "last_tap_at": now, "inside_community_id": inside})
    return TapResult(Tap(event_id, seq + 1, seen.direction, now, gate.id, unit), True, seq + 1)


def _keep_in_step(rider: RiderState, values: dict[str, Any]) -> None:
    """Give ``rider`` the check-in state just written or read (``values``, by column): a
    ``TapRider`` the fields it has, a ``Rider`` all of them as loaded (nothing to flush)."""
    for name, value in values.items():
        if not isinstance(rider, TapRider):
            set_committed_value(rider, name, value)
        elif name in TapRider.__slots__:
            setattr(rider, name, value)


def _read_again(session: Session, rider: RiderState) -> None:
    """Read ``rider``'s tap counter and compound again (another request moved them)."""
    tap_seq, inside = session.connection().execute(_TAP_STATE, {"rider": rider.id}).one()
    _keep_in_step(rider, {"tap_seq": tap_seq, "inside_community_id": inside})


def _move_and_log(session: Session, move: dict[str, Any], event: dict[str, Any]) -> int | None:
    """The compare-and-set of the rider's tap counter (``_MOVE``'s parameters ``move``)
    and, when it moved, the insert of its event (the columns ``event``, the seq
    ``move["next_seq"]``); the event's id, or None when nothing moved. Plain table
    statements on the session's connection, past the ORM's execution layer: one on
    PostgreSQL, two on SQLite (whose WITH holds no UPDATE)."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        return connection.execute(_MOVE_AND_LOG, {
            **move, **{f"event_{name}": value for name, value in event.items()}}).scalar()
    moved = connection.execute(_MOVED, move).first()
    if moved is None:
        return None
    return connection.execute(_LOG, {**event, "rider_id": moved.id, "platform": moved.platform,
                                     "seq": move["next_seq"]}).scalar_one()


def _destination(session: Session, unit_id: int | None, community_id: int) -> int | None:
    """``unit_id`` when that unit belongs to compound ``community_id`` (directly or through
    its building); else ``InvalidInput``."""
    if unit_id is None:
        return None
    unit = get_row(session, Unit, unit_id)
    owner = community_of(session, unit) if unit is not None else None
    if unit is None or owner is None or owner.id != community_id:
        raise InvalidInput("所选单元不在这个小区", "the chosen unit is not in this compound",
                           details={"field": "unit"})
    return unit.id


def unit_labels(session: Session, condition: ColumnElement[bool]) -> dict[int, str]:
    """``{unit id: "3号楼 2单元"}`` of the units matching ``condition``."""
    rows = session.execute(select(Unit.id, Unit.number, Unit.name, Building.id, Building.number,
                                  Building.name)
                           .join(Building, Unit.building_id == Building.id, isouter=True)
                           .where(condition))
    return {uid: door_label(bn, bname, un, uname) if bid is not None else unit_label(un, uname)
            for uid, un, uname, bid, bn, bname in rows}


def _repeat(session: Session, rider: RiderState, seq: int) -> TapResult:
    """The event a repeated tap drawn with ``seq`` stands for: the one stored for
    ``seq + 1`` when that tap got through, else the rider's latest."""
    _read_again(session, rider)
    event = session.scalar(select(EntryEvent).where(EntryEvent.rider_id == rider.id,
                                                    EntryEvent.seq == seq + 1))
    event = event or session.scalar(select(EntryEvent).where(EntryEvent.rider_id == rider.id)
                                    .order_by(EntryEvent.seq.desc()).limit(1))
    if event is None:
        raise InvalidInput("页面已过期，请刷新后再点", "the page is out of date; reload it",
                           details={"reason": "stale_page"})
    found = Tap(event.id, event.seq, event.direction, event.at, event.gate_id, event.unit_id)
    return TapResult(found, False, rider.tap_seq)
