"""Office log-in and log-out (``/office/login``, ``/office/logout``), the
``login_required`` decorator every office page uses, and ``load_actor``, which finds
who is asking before every request.

The session holds only ``user_id`` (``load_actor`` loads the user from it before each request);
log-in clears the session first (no fixation), the form has CSRF protection and the
attempts are rate limited per address. ``create_app`` nests this blueprint, like every
office feature's, under the ``office`` blueprint (``/office``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, wraps
from typing import Any

from flask import (
    Blueprint,
    Flask,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from app import page_errors
from app.accounts.auth import actor_for, current_actor, hash_password, verify_password
from app.db import get_session
from app.extensions import csrf, limiter
from app.models import User
from app.params import safe_next
from geo import settings
from geo.errors import Unauthorized

bp = Blueprint("accounts", __name__)


def load_actor() -> None:
    """Before every request: who is asking (``app.accounts.auth.current_actor``)."""
    g.actor = None
    g.actor = actor_for(get_session(), request.headers.get("Authorization", ""),
                        session.get("user_id"), session.get("session_version"))


def init_app(app: Flask) -> None:
    """Load the actor before every request; templates see it as ``actor``."""
    app.before_request(load_actor)
    app.context_processor(lambda: {"actor": current_actor()})


@cache
def _dummy_user() -> User:
    """Checked against when the user name is unknown, so that both cases take as long."""
    return User(password_hash=hash_password("youlu: no such user"))


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Office pages: a logged-in, active office user, else the log-in page (401 JSON for
    API-style requests)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        actor = current_actor()
        if actor is None or actor.user is None or not actor.via_session:
            if request.method == "GET" and not page_errors.wants_json():
                return redirect(url_for("office.accounts.login", next=request.full_path.rstrip("?")))
            raise Unauthorized("请先登录社区账号", "log in with an office account first")
        return view(*args, **kwargs)

    return wrapper


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(settings.RATELIMIT_LOGIN, methods=["POST"])
@csrf.exempt  # checked below, after the limit has counted the attempt
def login() -> BaseResponse | str | tuple[str, int]:
    """The log-in form; on success, to ``next`` or the office home.

    A POST is counted against ``RATELIMIT_LOGIN`` before its CSRF token is checked, so
    that attempts without a valid token are limited too.
    """
    next_url = safe_next(request.values.get("next"), url_for("office.home.home_page"))
    if request.method == "GET":
        return render_template("office/login.html", next=next_url, error=None, username="")
    csrf.protect()
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    user = get_session().scalar(select(User).where(User.username == username))
    if user is None:
        verify_password(_dummy_user(), password)
    if user is None or not user.active or not verify_password(user, password):
        return render_template("office/login.html", next=next_url, username=username,
                               error="用户名或密码不正确"), 401
    session.clear()
    session["user_id"] = user.id
    session["session_version"] = user.session_version
    return redirect(next_url)


@bp.post("/logout")
def logout() -> BaseResponse:
    """End the office session, on the server too: every cookie of it stops working."""
    actor = current_actor()
    if actor is not None and actor.via_session and actor.user is not None:
        actor.user.session_version += 1
    session.clear()
    return redirect(url_for("office.accounts.login"))

