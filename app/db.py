"""Database engine and sessions, schema migrations, and the one rule for transactions
(the ``init-db`` command is in ``app.addresses``).

One engine per app; one session per application context (``get_session``), that is
per HTTP request and per CLI command.

Unit of work, one rule: **services take the session as a parameter named ``session``
and never commit** (nor call ``get_session``). They may flush, to get ids or to meet a
conflict early. **The boundary that opened the session commits or rolls back:**

* An HTTP request commits in ``after_request`` when its response is a success (status
  below 400, redirects included) and rolls back otherwise. The commit runs before the
  response is sent, so a page that says "done" (a check-in, a redirect that reads its
  own write) is already committed. A commit that fails gets the answer the error
  handlers give the same error raised in a view: a conflicting write
  (``IntegrityError``, ``StaleDataError``) is the same 409 JSON. The error handlers
  roll back too (``roll_back``). One write must outlive the error answer that follows
  it, a phone code's used-up attempt: its view commits it before checking the code.
* A CLI command commits when it returns and rolls back when it raises or exits with an
  error: ``app.cli_support.unit_of_work``, which every command uses.
* Anything else holding an application context (a script, ``flask shell``, a test's
  ``with app.app_context():``) commits when the context ends cleanly and rolls back
  when it ends with an exception.
"""

from __future__ import annotations

import itertools
import select
import weakref
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, g, has_request_context
from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.orm import Session, sessionmaker

from geo import settings

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_engine_serials: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()
_next_serial = itertools.count(1)


def _sqlite_pragmas(busy_timeout_ms: int) -> Any:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()
    return on_connect


def _drop_if_closed_by_server(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """Pool checkout: a PostgreSQL connection with something to read while idle in the
    pool was closed by the server (a restart, ``pg_terminate_backend``: its goodbye or
    the end of the stream is waiting). ``DisconnectionError`` makes the pool replace it
    with a new connection, transparently. Costs one ``poll``, no round trip, unlike
    ``pool_pre_ping``; a connection that died without a word (a host gone) fails its
    first statement, and that error invalidates the whole pool (SQLAlchemy's
    optimistic disconnect handling), so only that one request sees it."""
    poller = select.poll()
    poller.register(dbapi_connection.fileno(), select.POLLIN)
    if poller.poll(0):
        msg = "the server closed this pooled connection"
        raise exc.DisconnectionError(msg)


def make_engine(url: str, *, busy_timeout_ms: int = settings.SQLITE_BUSY_TIMEOUT_MS) -> Engine:
    """An engine for ``url``; SQLite gets foreign keys, WAL and a busy timeout
    (``busy_timeout_ms`` milliseconds of waiting for a lock, then "database is locked").

    A pooled PostgreSQL connection that the server closed (a restart) is replaced at
    checkout instead of failing the request (``_drop_if_closed_by_server``);
    connections are also recycled after half an hour.
    """
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = create_engine(url, pool_recycle=1800)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas(busy_timeout_ms))
    elif engine.dialect.name == "postgresql":
        event.listen(engine, "checkout", _drop_if_closed_by_server)
    return engine


def init_app(app: Flask) -> None:
    """Bind an engine and a session factory to ``app``; end each request's and each
    application context's unit of work (see the module docstring)."""
    engine = make_engine(app.config["DATABASE_URL"], busy_timeout_ms=int(app.config.get(
        "SQLITE_BUSY_TIMEOUT_MS", settings.SQLITE_BUSY_TIMEOUT_MS)))
    app.extensions["db_engine"] = engine
    app.extensions["db_sessions"] = sessionmaker(engine, expire_on_commit=False)
    app.after_request(_end_request)
    app.teardown_appcontext(_close_session)


def engine_key(bind: Any) -> str:
    """A cache key for the engine (or connection) ``bind``: its URL and a serial number that
    no other engine of this process ever gets. Unlike ``id()``, which an engine made after
    this one was dropped can take over (a test's copy of a database under the same URL),
    so that a per-engine cache never answers for another database."""
    serial = _engine_serials.get(bind)
    if serial is None:
        serial = _engine_serials.setdefault(bind, next(_next_serial))
    return f"{getattr(bind, 'url', '')}#{serial}"


def get_engine() -> Engine:
    """The current app's engine."""
    return current_app.extensions["db_engine"]


def get_session() -> Session:
    """The session of the current request or CLI command (for views, commands and
    scripts: services are handed theirs)."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["db_sessions"]()
        g.db_session_of_request = has_request_context()
    return g.db_session


def roll_back() -> None:
    """Roll back the current session, if one was opened (error handlers call this)."""
    session = g.get("db_session")
    if session is not None:
        session.rollback()


def _end_request(response: Response) -> Response:
    """Commit the request's session on a success, roll it back on an error answer."""
    session = g.get("db_session")
    if session is None:
        return response
    if response.status_code >= 400:
        session.rollback()
        return response
    try:
        session.commit()
    except Exception as error:
        session.rollback()
        # the answer a view raising this error gets (a conflict: 409); no handler: 500
        return current_app.make_response(current_app.handle_user_exception(error))
    return response


def _close_session(exc: BaseException | None) -> None:
    """End of an application context: a request's session was ended in ``_end_request``;
    any other commits when the context ends cleanly. Then the session is closed (which
    rolls back whatever is left)."""
    session = g.pop("db_session", None)
    if session is None:
        return
    try:
        if exc is None and not g.pop("db_session_of_request", False):
            session.commit()
    finally:
        session.close()


def upgrade_schema(engine: Engine, revision: str = "head") -> None:
    """Run the Alembic migrations on ``engine`` up to ``revision``."""
    from alembic import command  # imported here: a serving worker never migrates
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)
