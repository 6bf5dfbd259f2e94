"""``/office/``: the office home. Its template assembles one section per feature
(``office/_home_*.html``), so a feature adds its section with one include line."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select

from app.accounts.auth import scope_clause, signed_in_actor
from app.accounts.views import login_required
from app.db import get_session
from app.models import Community
from app.office.checklist import compound_statuses
from app.reports.service import ReportFilter, office_summary, reports_for
from app.riders.office_views import pass_query
from geo import reports

HOME_COMPOUNDS = 200  # compounds listed on the home; an admin sees the first ones by name
HOME_ROWS = 5  # pending passes and new reports shown on the home

bp = Blueprint("home", __name__)  # under /office


@bp.get("/")
@login_required
def home_page() -> str:
    """The office's compounds with their checklists, pending passes and new reports."""
    db = get_session()
    actor = signed_in_actor()
    communities = list(db.scalars(select(Community).where(scope_clause(actor))
                                  .order_by(Community.name).limit(HOME_COMPOUNDS)))
    pending = list(db.execute(pass_query(actor, "pending")))
    new_reports = reports_for(db, actor, ReportFilter(status="submitted"))
    return render_template("office/home.html", statuses=compound_statuses(db, communities),
                           pending=pending[:HOME_ROWS], pending_count=len(pending),
                           new_reports=new_reports[:HOME_ROWS], report_count=len(new_reports),
                           reports_summary=office_summary(db, actor), kind_zh=reports.KIND_ZH)
