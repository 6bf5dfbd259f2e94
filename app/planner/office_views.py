"""``/office/pilot``: an office ticks the pilot checklist items the data cannot know
(plates installed, the map posted) for its own compounds, beside the items counted from
the data (app/planner/pilot.py keeps and audits the ticks)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from app.accounts.auth import in_scope, scope_clause, signed_in_actor
from app.accounts.views import login_required
from app.db import get_session
from app.models import Community
from app.planner.coverage import planner_table
from app.planner.pilot import pilot_rows, tick
from geo.errors import Forbidden, NotFound
from geo.planning.pilot import checklist

bp = Blueprint("pilot", __name__)  # under /office

PAGE_COMPOUNDS = 200  # compounds listed; an admin sees the first ones by name


def office_items() -> list[dict[str, str]]:
    """The checklist items an office ticks."""
    return [spec for spec in checklist()["items"] if spec["source"] == "office"]


@bp.get("/pilot")
@login_required
def pilot_page() -> str:
    """The office's compounds with their checklist: office items as boxes to tick."""
    db = get_session()
    actor = signed_in_actor()
    ids = set(db.scalars(select(Community.id).where(scope_clause(actor))
                         .order_by(Community.name).limit(PAGE_COMPOUNDS)))
    table = planner_table(db)
    rows = sorted(pilot_rows(db, table, [r for r in table.rows if r["id"] in ids]),
                  key=lambda r: r["name"])
    return render_template("office/pilot.html", rows=rows, items=checklist()["items"],
                           office_items=office_items())


@bp.post("/pilot/<int:community_id>")
@login_required
def pilot_tick(community_id: int) -> BaseResponse:
    """Save the office items of one compound (a box ticked or not); each change audited."""
    db = get_session()
    actor = signed_in_actor()
    community = db.get(Community, community_id)
    if community is None:
        raise NotFound(f"找不到小区 {community_id}", f"no compound {community_id}")
    if not in_scope(actor, community):
        raise Forbidden("这个小区不归你的办公室管理", "this compound is not your office's")
    table = planner_table(db)
    now = next(r for r in pilot_rows(db, table, [r for r in table.rows if r["id"] == community_id]))
    changed = []
    for spec in office_items():
        want = request.form.get(f"item_{spec['item']}") == "1"
        if want != now["items"][spec["item"]]:
            tick(db, actor, community_id=community_id, item=spec["item"], done=want)
            changed.append(f"{spec['zh']}：{'已完成' if want else '未完成'}")
    flash(f"已保存{community.name}的试点清单：" + "；".join(changed) if changed
          else f"{community.name}的试点清单没有改动", "ok")
    return redirect(url_for(".pilot_page") + f"#c{community_id}")
