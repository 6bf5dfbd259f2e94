"""Gate check-in under load: the app under gunicorn on PostgreSQL and Redis, simulated
riders tapping on 127.0.0.1, one gunicorn worker killed (SIGKILL) half way, then a count
of what the database holds against what the riders were told.

Setup: a fresh PostgreSQL database (the bupt extract imported, a signing key, the riders
registered with a device credential and an active pass) and the Redis database for rate
limits. The server runs with the repeat window at 0 s (every tap is a new event: riders
tap as fast as the server answers) and the rate limits raised far above the load (they
are still counted in Redis on every request).

Each rider keeps one HTTP/1.1 connection (re-opened when the server closes it), reads
its gate page once (JSON: tap counter and CSRF token), then taps in, out, in, … at its
gate. A tap whose answer is lost (the worker was killed, the connection reset) is sent
again with the same tap counter, as a phone would: the server answers with the event
that counter already produced. The trivial endpoint ``GET /healthz`` (the baseline) and
the check-ins are measured with the same riders on the same server, in alternating
slices (``--rounds`` of each), so that the machine's load, which drifts, weighs on both
alike.

Counted after the run:

- accepted: taps the server confirmed (a new event, or a retry answered with the event
  its first attempt stored);
- stored: rows in ``entry_events`` for the riders;
- lost: accepted events not stored; doubled: stored rows beyond one per tap (a second
  row for one ``(rider, seq)`` or a row for a tap no rider made);
- unconfirmed: stored rows no rider was told about.

    .venv/bin/python bench/checkin_load.py [--seconds 60] [--riders 64] [--workers 4] [--json]

With ``--json`` the last line printed is one JSON object (keys include accepted, stored,
lost, doubled, checkins_per_s, p99_ms and ratio).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import create_engine, func, select, text

from _common import ROOT
from app import create_app
from app.addresses.commands import init_database
from app.db import get_session
from app.imports.importer import import_osm
from app.models import Community, EntryEvent, Gate, Rider
from app.models.base import utcnow
from app.plates.keys import active_signer, init_keys, signed_url
from app.riders.service import Registration, issue_device, register, request_pass
from geo import settings

HOST = "127.0.0.1"
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1"
DATABASE = "youlu_bench_checkin"
REDIS_URL = "redis://127.0.0.1:6379/12"
EXTRACT, STREET = "beijing_haidian_bupt.osm.bz2", "110108008"
ISSUER = "https://youlu.example.cn"
SECRET_KEY = "bench-checkin-secret"
HUGE_LIMIT = "10000000 per minute"
RETRY_PAUSE_S = 0.05
FINISH_TIMEOUT_S = 60.0
BOOT_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 60.0


# -- setup ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SimRider:
    """What a simulated rider's phone holds: its device secret and its gate's plate path."""

    rider_id: int
    secret: str
    plate: str


def fresh_database() -> str:
    """Drop and create the bench database; returns its URL."""
    admin = create_engine(f"{POSTGRES}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    admin.dispose()
    return f"{POSTGRES}/{DATABASE}"


def prepare(url: str, keys: Path, riders: int) -> list[SimRider]:
    """Import the extract, make a signing key, register ``riders`` riders with a device
    and an active pass, spread over the gates of the compound with the most gates."""
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET_KEY, "KEYS_DIR": str(keys),
                      "PUBLIC_BASE_URL": ISSUER, "RATELIMIT_ENABLED": False})
    made: list[SimRider] = []
    with app.app_context():
        init_database(get_session())
        db = get_session()
        import_osm(db, settings.OSM_DIR / EXTRACT, division=STREET)
        init_keys(db, keys)
        signer = active_signer(db, keys)
        community_id = db.scalar(select(Gate.community_id).where(Gate.code.is_not(None))
                                 .group_by(Gate.community_id)
                                 .order_by(func.count().desc()).limit(1))
        community = db.get(Community, community_id)
        gates = db.scalars(select(Gate.code).where(Gate.community_id == community_id,
                                                   Gate.rider_access != "closed")
                           .order_by(Gate.code)).all()
        plates = [signed_url(db, code, signer, base_url=ISSUER).split("/", 3)[3]
                  for code in gates]
        now = utcnow()
        for n in range(riders):
            rider = register(db, Registration(f"骑手{n:03d}", f"139{n:08d}", "meituan",
                                              f"MT-{n:05d}"))
            secret = issue_device(db, rider, label="bench")
            db.commit()
            request_pass(db, rider, community, now=now)
            made.append(SimRider(rider.id, secret, plates[n % len(plates)]))
    app.extensions["db_engine"].dispose()
    return made


# -- the server ------------------------------------------------------------------------------


def start_server(url: str, keys: Path, port: int, workers: int, log: Path) -> subprocess.Popen:
    """gunicorn on 127.0.0.1:``port`` with ``workers`` sync workers."""
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": REDIS_URL, "SECRET_KEY": SECRET_KEY,
           "YOULU_KEYS_DIR": str(keys), "YOULU_PUBLIC_BASE_URL": ISSUER,
           "YOULU_SMS_SENDER": "console", "YOULU_CHECKIN_REPEAT_WINDOW_S": "0",
           "YOULU_RATELIMIT_DEFAULT": HUGE_LIMIT, "YOULU_RATELIMIT_RIDER_PAGES": HUGE_LIMIT,
           "YOULU_RATELIMIT_CHECKIN": HUGE_LIMIT,
           # --preload builds the app in the master: a routing-warm thread started there
           # can hold a lock (SQLAlchemy's first-connect mutex) at fork, hanging a worker
           "YOULU_ROUTING_WARM": "0"}
    gunicorn = Path(sys.executable).parent / "gunicorn"  # of the venv running the bench
    return subprocess.Popen(
        [str(gunicorn), "--workers", str(workers), "--bind", f"{HOST}:{port}",
         "--worker-class", "sync", "--timeout", "30", "--graceful-timeout", "5",
         "--no-control-socket", "--preload",
         "app:create_app()"],
        env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, cwd=ROOT)


def stop_server(server: subprocess.Popen) -> None:
    """Stop gunicorn: SIGTERM, and SIGKILL to the master (ours) if it lingers."""
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds used so far by the live processes among ``pids``."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def worker_pids(master: int) -> list[int]:
    """The pids of the gunicorn master's workers (its children)."""
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(p) for p in children.read_text().split()] if children.exists() else []


async def wait_until_up(port: int, workers: int, master: int) -> None:
    """Wait until the server answers and all its workers are up."""
    deadline = time.monotonic() + BOOT_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            status, _h, _b = await Connection(port).request("GET", "/healthz")
            if status == 200 and len(worker_pids(master)) == workers:
                return
        except OSError:
            pass
        await asyncio.sleep(0.2)
    msg = "gunicorn did not start in time (see the server log)"
    raise SystemExit(msg)


# -- a minimal HTTP/1.1 client ------------------------------------------------------------------


class Connection:
    """One keep-alive HTTP/1.1 connection to 127.0.0.1 (re-opened when closed)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, headers: dict[str, str] | None = None,
                      body: bytes = b"") -> tuple[int, dict[str, str], bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
        lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{self.port}",
                 f"Content-Length: {len(body)}"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        try:
            self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
            await self.writer.drain()
            status_line = await self.reader.readline()  # type: ignore[union-attr]
            if not status_line:
                raise ConnectionResetError("closed before answering")
            status = int(status_line.split()[1])
            answer: dict[str, str] = {}
            while (line := await self.reader.readline()) not in (b"\r\n", b""):  # type: ignore[union-attr]
                name, _, value = line.decode("latin-1").partition(":")
                key = name.strip().lower()
                value = value.strip()
                answer[key] = f"{answer[key]}, {value}" if key in answer else value
            data = await self.reader.readexactly(int(answer.get("content-length", 0)))  # type: ignore[union-attr]
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
            self.close()
            raise ConnectionResetError("connection lost") from None
        if answer.get("connection", "").lower() == "close":
            self.close()
        return status, answer, data

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


# -- riders -----------------------------------------------------------------------------------


@dataclass
class Tally:
    """What the riders saw."""

    latencies: list[float] = field(default_factory=list)
    accepted: set[tuple[int, int]] = field(default_factory=set)  # (rider, event seq)
    attempted: set[tuple[int, int]] = field(default_factory=set)  # (rider, seq + 1)
    statuses: Counter[int] = field(default_factory=Counter)
    retries: int = 0
    connection_errors: int = 0


async def trivial_rider(port: int, until: float, tally: Tally) -> None:
    conn = Connection(port)
    while time.monotonic() < until:
        start = time.perf_counter()
        try:
            status, _h, _b = await conn.request("GET", "/healthz")
        except ConnectionResetError:
            tally.connection_errors += 1
            continue
        tally.statuses[status] += 1
        if status == 200:
            tally.latencies.append(time.perf_counter() - start)
    conn.close()


@dataclass
class Phone:
    """A rider's phone on the gate page: connection, cookies, CSRF token, tap counter."""

    rider: SimRider
    conn: Connection
    cookies: str = ""
    token: str = ""
    seq: int = 0

    @property
    def path(self) -> str:
        return f"/pass/gate/{self.rider.plate}"


async def open_gate_page(port: int, rider: SimRider) -> Phone:
    """The phone reads its gate page once (JSON): tap counter, CSRF token, session."""
    phone = Phone(rider, Connection(port))
    device = f"youlu_device={rider.secret}"
    while True:
        try:
            status, headers, data = await phone.conn.request(
                "GET", phone.path, {"Accept": "application/json", "Cookie": device})
        except ConnectionResetError:
            await asyncio.sleep(RETRY_PAUSE_S)
            continue
        if status != 200:
            msg = f"gate page answered {status}: {data[:300]!r}"
            raise SystemExit(msg)
        state = json.loads(data)
        phone.cookies = f"{device}; {headers['set-cookie'].split(';', 1)[0]}"
        phone.token, phone.seq = state["csrf_token"], state["seq"]
        return phone


async def checkin_rider(phone: Phone, until: float, tally: Tally) -> None:
    """Tap in, out, in, … until ``until``; each tap is answered before the next."""
    while time.monotonic() < until:
        await _tap(phone, tally)
        phone.seq += 1
    phone.conn.close()


async def _tap(phone: Phone, tally: Tally) -> None:
    """One tap drawn with the phone's tap counter, sent again until the server answers."""
    rider, seq = phone.rider.rider_id, phone.seq
    tally.attempted.add((rider, seq + 1))
    body = urlencode({"seq": seq}).encode()
    headers = {"Accept": "application/json", "X-CSRFToken": phone.token,
               "Cookie": phone.cookies, "Content-Type": "application/x-www-form-urlencoded"}
    deadline = time.monotonic() + FINISH_TIMEOUT_S
    while time.monotonic() < deadline:
        start = time.perf_counter()
        try:
            status, _h, data = await phone.conn.request("POST", phone.path, headers, body)
        except ConnectionResetError:
            tally.connection_errors += 1
            tally.retries += 1
            await asyncio.sleep(RETRY_PAUSE_S)
            continue
        tally.statuses[status] += 1
        if status == 200:
            tally.latencies.append(time.perf_counter() - start)
            event = json.loads(data)["event"]
            if event["seq"] != seq + 1:
                msg = f"rider {rider}: tap {seq} answered with event {event}"
                raise SystemExit(msg)
            tally.accepted.add((rider, seq + 1))
            return
        tally.retries += 1
        await asyncio.sleep(RETRY_PAUSE_S)
    msg = f"rider {rider}: tap {seq} got no answer in {FINISH_TIMEOUT_S} s"
    raise SystemExit(msg)


async def run_phases(port: int, riders: list[SimRider], master: int, *, workers: int,
                     trivial_s: float, checkin_s: float, rounds: int) -> dict:
    """The trivial endpoint and the check-ins in alternating slices, ``rounds`` of each
    (``trivial_s`` and ``checkin_s`` in all), so that a change in the machine's load weighs
    on both alike; one worker killed half way through the middle check-in slice.

    The workers' CPU time per answered request is summed over the slices, leaving out the
    one with the kill (the killed worker's time is lost with it).
    """
    await wait_until_up(port, workers, master)
    phones = await asyncio.gather(*(open_gate_page(port, r) for r in riders))
    trivial, checkins = Tally(), Tally()
    elapsed = {"trivial": 0.0, "checkin": 0.0}
    cpu_s = {"trivial": 0.0, "checkin": 0.0}
    counted = {"trivial": 0, "checkin": 0}
    killed: dict = {}
    kill_round = rounds // 2

    async def kill_one_worker(after_s: float, begun: float) -> None:
        await asyncio.sleep(after_s)
        pids = worker_pids(master)
        os.kill(pids[0], signal.SIGKILL)
        killed.update(pid=pids[0], at_s=round(time.monotonic() - begun, 1))
        while pids[0] in worker_pids(master) or len(worker_pids(master)) < workers:
            await asyncio.sleep(0.1)
        killed["replaced_after_s"] = round(time.monotonic() - begun - killed["at_s"], 2)

    for round_no in range(rounds):
        for phase, tally, seconds in (("trivial", trivial, trivial_s), ("checkin", checkins, checkin_s)):
            before, cpu_before = len(tally.latencies), cpu_seconds(worker_pids(master))
            begun = time.monotonic()
            until = begun + seconds / rounds
            if phase == "trivial":
                await asyncio.gather(*(trivial_rider(port, until, trivial) for _ in riders))
            else:
                kill = [kill_one_worker(seconds / rounds / 2, begun)] if round_no == kill_round else []
                await asyncio.gather(*kill, *(checkin_rider(p, until, checkins) for p in phones))
            elapsed[phase] += time.monotonic() - begun
            if not (phase == "checkin" and round_no == kill_round):
                cpu_s[phase] += cpu_seconds(worker_pids(master)) - cpu_before
                counted[phase] += len(tally.latencies) - before
    return {"trivial": trivial, "trivial_elapsed": elapsed["trivial"], "checkins": checkins,
            "checkin_elapsed": elapsed["checkin"], "killed": killed, "rounds": rounds,
            "trivial_cpu_ms": cpu_s["trivial"] * 1000 / max(1, counted["trivial"]),
            "checkin_cpu_ms": cpu_s["checkin"] * 1000 / max(1, counted["checkin"])}


# -- the count ---------------------------------------------------------------------------------


def count(url: str, riders: list[SimRider], tally: Tally) -> dict:
    """Compare the stored entry events with what the riders were told."""
    engine = create_engine(url)
    ids = [r.rider_id for r in riders]
    with engine.connect() as conn:
        rows = conn.execute(select(EntryEvent.rider_id, EntryEvent.seq)
                            .where(EntryEvent.rider_id.in_(ids))).all()
        taps = dict(conn.execute(select(Rider.id, Rider.tap_seq).where(Rider.id.in_(ids))).all())
    engine.dispose()
    stored = Counter((r, s) for r, s in rows)
    gaps = sum(1 for rid in ids
               if sorted(s for (r, s) in stored if r == rid) != list(range(1, taps[rid] + 1)))
    return {
        "accepted": len(tally.accepted),
        "stored": len(rows),
        "lost": len(tally.accepted - set(stored)),
        "doubled": sum(n - 1 for n in stored.values())
        + sum(1 for key in stored if key not in tally.attempted),
        "unconfirmed": len(set(stored) - tally.accepted),
        "riders_with_gaps": gaps,
    }


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="check-in phase, seconds")
    parser.add_argument("--trivial-seconds", type=float, default=15.0,
                        help="baseline phase on GET /healthz, seconds")
    parser.add_argument("--rounds", type=int, default=5,
                        help="alternating slices of each phase (load changes weigh on both)")
    parser.add_argument("--riders", type=int, default=64, help="concurrent simulated riders")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--json", action="store_true", help="last line: one JSON object")
    args = parser.parse_args()

    url = fresh_database()
    work = Path(tempfile.mkdtemp(prefix="youlu-bench-checkin-"))
    keys = work / "keys"
    setup_start = time.monotonic()
    riders = prepare(url, keys, args.riders)
    setup_s = time.monotonic() - setup_start
    server = start_server(url, keys, args.port, args.workers, work / "gunicorn.log")
    try:
        result = asyncio.run(run_phases(args.port, riders, server.pid, workers=args.workers,
                                        trivial_s=args.trivial_seconds,
                                        checkin_s=args.seconds, rounds=max(1, args.rounds)))
    finally:
        stop_server(server)
    trivial, checkins = result["trivial"], result["checkins"]
    counted = count(url, riders, checkins)
    trivial_per_s = len(trivial.latencies) / result["trivial_elapsed"]
    checkins_per_s = counted["accepted"] / result["checkin_elapsed"]
    report = {
        **counted,
        "checkins_per_s": round(checkins_per_s, 1),
        "p50_ms": round(percentile(checkins.latencies, 0.50) * 1000, 2),
        "p99_ms": round(percentile(checkins.latencies, 0.99) * 1000, 2),
        "trivial_per_s": round(trivial_per_s, 1),
        "trivial_p99_ms": round(percentile(trivial.latencies, 0.99) * 1000, 2),
        "ratio": round(checkins_per_s / trivial_per_s, 3),
        "worker_cpu_ms_per_trivial": round(result["trivial_cpu_ms"], 2),
        "worker_cpu_ms_per_checkin": round(result["checkin_cpu_ms"], 2),
        "riders": args.riders, "workers": args.workers,
        "checkin_seconds": round(result["checkin_elapsed"], 1), "rounds": result["rounds"],
        "trivial_seconds": round(result["trivial_elapsed"], 1),
        "killed_worker": result["killed"],
        "retries": checkins.retries, "connection_errors": checkins.connection_errors,
        "statuses": {str(k): v for k, v in sorted(checkins.statuses.items())},
        "setup_s": round(setup_s, 1), "server_log": str(work / "gunicorn.log"),
    }
    print(f"Check-in load: gunicorn ({args.workers} sync workers) + PostgreSQL + Redis on "
          f"127.0.0.1, {args.riders} riders")
    print(f"  GET /healthz (trivial)     {report['trivial_per_s']:9.1f} req/s   "
          f"p99 {report['trivial_p99_ms']:7.2f} ms   ({report['trivial_seconds']} s)")
    print(f"  check-in taps              {report['checkins_per_s']:9.1f} /s      "
          f"p50 {report['p50_ms']:7.2f} ms   p99 {report['p99_ms']:7.2f} ms   "
          f"({report['checkin_seconds']} s)")
    print(f"  ratio check-ins / trivial  {report['ratio']:9.3f}   (goal ≥ 0.5)")
    print(f"  gunicorn workers' CPU per request: trivial "
          f"{report['worker_cpu_ms_per_trivial']:.2f} ms, check-in "
          f"{report['worker_cpu_ms_per_checkin']:.2f} ms (PostgreSQL and Redis not counted)")
    kill = report["killed_worker"]
    print(f"  worker pid {kill.get('pid')} killed (SIGKILL) at {kill.get('at_s')} s, replaced "
          f"after {kill.get('replaced_after_s')} s; {report['retries']} taps sent again, "
          f"{report['connection_errors']} connection errors")
    print(f"  accepted {report['accepted']}  stored {report['stored']}  lost {report['lost']}  "
          f"doubled {report['doubled']}  unconfirmed {report['unconfirmed']}  "
          f"riders with gaps {report['riders_with_gaps']}")
    if args.json:
        print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()
