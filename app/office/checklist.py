"""What a compound still needs before riders can use it well: the office home's
checklist (gates confirmed, units numbered, plates and posters printed, pass policy
set, facilities drawn), computed for many compounds in a few queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.models import Community, Facility, Gate, PassPolicy, Unit
from app.plates.printing import last_printed
from app.riders.service import office_for
from geo.hours.opening_hours import local_text
from geo.osm.entrances import GUESSED_SOURCES

CHECK_LABELS = {
    "gates_confirmed": "出入口已核实",
    "units_numbered": "单元门已编号",
    "plates_printed": "门牌已打印",
    "posters_printed": "海报已打印",
    "pass_policy": "通行证规则已设置",
    "facilities": "已标注服务设施",
}


@dataclass(frozen=True)
class Check:
    """One item of the checklist: ``key`` of ``CHECK_LABELS``, done or not, and why."""

    key: str
    done: bool
    detail: str

    @property
    def label(self) -> str:
        return CHECK_LABELS[self.key]


@dataclass(frozen=True)
class CompoundStatus:
    """A compound and its checklist, in ``CHECK_LABELS`` order."""

    community: Community
    checks: tuple[Check, ...]

    @property
    def done(self) -> int:
        return sum(check.done for check in self.checks)


def _counts(session: Session, key: InstrumentedAttribute[int | None], ids: list[int],
            *counts: ColumnElement[int]) -> dict[int, tuple[int, ...]]:
    """``counts`` per value of ``key`` (a ``community_id`` column) among ``ids``."""
    rows = session.execute(select(key, *counts).where(key.in_(ids)).group_by(key))
    return {row[0]: tuple(int(n or 0) for n in row[1:]) for row in rows if row[0] is not None}


def compound_statuses(session: Session, communities: list[Community]) -> list[CompoundStatus]:
    """The checklist of each of ``communities``, in their order."""
    ids = [c.id for c in communities]
    guessed = func.sum(case((Gate.source.in_(GUESSED_SOURCES), 1), else_=0))
    gates = _counts(session, Gate.community_id, ids, func.count(), guessed)
    units = _counts(session, Unit.community_id, ids, func.count(), func.count(Unit.number))
    facilities = _counts(session, Facility.community_id, ids, func.count())
    plates = last_printed(session, ids, "plates")
    posters = last_printed(session, ids, "posters")
    keeper = {c.id: office.id if (office := office_for(session, c)) else None for c in communities}
    policies = set(session.scalars(select(PassPolicy.office_id)))
    out = []
    for community in communities:
        gate_count, unconfirmed = gates.get(community.id, (0, 0))
        unit_count, numbered = units.get(community.id, (0, 0))
        (facility_count,) = facilities.get(community.id, (0,))
        checks = (
            Check("gates_confirmed", gate_count > 0 and not unconfirmed,
                  f"{unconfirmed} 个推测的出入口待核实" if unconfirmed
                  else (f"{gate_count} 个出入口" if gate_count else "还没有出入口")),
            Check("units_numbered", unit_count > 0 and numbered == unit_count,
                  f"{unit_count - numbered} 个单元门没有编号" if numbered < unit_count
                  else (f"{unit_count} 个单元门" if unit_count else "还没有单元门")),
            _printed("plates_printed", plates.get(community.id)),
            _printed("posters_printed", posters.get(community.id)),
            Check("pass_policy", keeper[community.id] in policies,
                  "已设置本社区规则" if keeper[community.id] in policies
                  else f"按小区默认（{'需审批' if community.pass_policy == 'approval' else '自动通过'}，"
                       f"{community.pass_validity_days} 天）"),
            Check("facilities", facility_count > 0,
                  f"{facility_count} 处设施" if facility_count else "还没有标注驿站、充电、厕所等"),
        )
        out.append(CompoundStatus(community, checks))
    return out


def _printed(key: str, at: datetime | None) -> Check:
    return Check(key, at is not None, f"最近打印于 {local_text(at)}" if at else "还没有打印")
