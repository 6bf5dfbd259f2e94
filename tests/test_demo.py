"""The demo: bundled real data plus demo annotations, built twice, served on a real port."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from app.db import get_session
from app.models import Community, Facility, Gate, Source, Unit
from tests.support.extracts import EXTRACTS, OSM_DIR, ROOT, read_extract


def _cached_reads(monkeypatch) -> None:
    """The demo reads the bundled extracts; reuse the session's parsed copies."""
    by_path = {OSM_DIR / filename: name for name, (filename, _) in EXTRACTS.items()}
    monkeypatch.setattr("app.demo.service.read_osm_extract", lambda path: read_extract(by_path[path]))


def test_demo_builds_and_is_idempotent(app: Flask, runner, monkeypatch) -> None:
    _cached_reads(monkeypatch)
    first = runner.invoke(args=["demo", "--no-serve"])
    assert first.exit_code == 0, first.output
    assert "演示账号" in first.output
    with app.app_context():
        db = get_session()
        shuangquan = db.scalar(select(Community).where(Community.name == "双泉嘉苑"))
        assert shuangquan.ebikes_allowed is False and shuangquan.code
        shuangquan_id = shuangquan.id
        north = next(g for g in shuangquan.gates if g.name == "北门")
        assert north.opening_hours == "Mo-Su 06:00-22:00"
        demo_units = db.scalar(select(func.count()).select_from(Unit).where(Unit.demo))
        assert demo_units > 20
        assert db.scalar(select(func.count()).select_from(Facility).where(
            Facility.demo, Facility.kind == "station")) == 2
        counts = [db.scalar(select(func.count()).select_from(m)) for m in (Community, Gate, Unit)]
        sources = db.scalars(select(Source).order_by(Source.path)).all()
        assert [Path(s.path).name for s in sources] == sorted(f for f, _ in EXTRACTS.values())
        assert all(s.status == "ready" and s.counts["created"]["community"] > 0 for s in sources)
    resolved = runner.invoke(args=["resolve", "双泉嘉苑3号楼二单元", "--json"])
    assert resolved.exit_code == 0, resolved.output
    answer = json.loads(resolved.output)
    assert answer["status"] == "matched"
    top = answer["candidates"][0]
    assert top["kind"] == "unit" and top["community"]["id"] == shuangquan_id
    assert top["building"]["number"] == "3"
    with app.app_context():
        unit = get_session().get(Unit, top["id"])
        assert (unit.number, unit.building_id, unit.code) == ("2", top["building"]["id"], top["code"])
    second = runner.invoke(args=["demo", "--no-serve"])
    assert second.exit_code == 0, second.output
    assert "演示标注 0 处" in second.output
    with app.app_context():
        db = get_session()
        assert [db.scalar(select(func.count()).select_from(m)) for m in (Community, Gate, Unit)] == counts


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_demo_serves_the_landing_page_at_the_printed_address(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
           "YOULU_KEYS_DIR": str(tmp_path / "keys"), "YOULU_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("YOULU_PUBLIC_BASE_URL", None)  # the demo names the address it serves
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "demo", "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        address = None
        deadline = time.monotonic() + 180
        for line in process.stdout:  # type: ignore[union-attr]
            if match := re.search(r"(http://127\.0\.0\.1:\d+/)", line):
                address = match.group(1)
                break
            assert time.monotonic() < deadline, "demo did not print its address"
        assert address == f"http://127.0.0.1:{port}/"
        page = None
        for _ in range(100):
            try:
                page = urllib.request.urlopen(address, timeout=5).read().decode()
                break
            except OSError:
                time.sleep(0.2)
        assert page is not None and "友路" in page and "双泉嘉苑" in page
        keys = json.loads(urllib.request.urlopen(address + ".well-known/youlu-keys.json",
                                                 timeout=5).read())
        assert keys["issuer"] == f"http://127.0.0.1:{port}"  # the port it serves, not 5000
        assert [k["status"] for k in keys["keys"]] == ["active"]  # plates print out of the box
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
