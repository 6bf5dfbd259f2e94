"""The plate commands through the Flask CLI runner: keys (mode 600, outside the repo,
rotation, revocation), refusal before a division is set, plates written for a compound."""

from __future__ import annotations

import stat
from pathlib import Path

from flask import Flask
from shapely.geometry import Point, box

from app.db import get_session
from app.models import Building, Community, Unit
from geo.address.verify import verify_plate


def _compound(app: Flask, division: str | None) -> int:
    with app.app_context():
        db = get_session()
        community = Community(name="双泉嘉苑", division_code=division,
                              geom=box(116.3500, 40.0000, 116.3520, 40.0015))
        db.add(community)
        db.flush()
        building = Building(community_id=community.id, number="3",
                            geom=box(116.3505, 40.0005, 116.3508, 40.0008))
        db.add(building)
        db.flush()
        db.add(Unit(building_id=building.id, community_id=community.id, number="2",
                    geom=Point(116.3506, 40.0005)))
        db.commit()
        return community.id


def test_init_keys_mode_600_and_only_once(app: Flask, runner) -> None:
    result = runner.invoke(args=["init-keys"])
    assert result.exit_code == 0, result.output
    keys = list(Path(app.config["KEYS_DIR"]).glob("youlu-plate-*.pem"))
    assert len(keys) == 1 and stat.S_IMODE(keys[0].stat().st_mode) == 0o600
    assert "(600)" in result.output
    again = runner.invoke(args=["init-keys"])
    assert again.exit_code == 2 and "rotate-keys" in again.output


def test_keys_dir_inside_the_repository_is_refused(app: Flask, runner) -> None:
    app.config["KEYS_DIR"] = str(Path(__file__).resolve().parent.parent / "keys")
    result = runner.invoke(args=["init-keys"])
    assert result.exit_code == 2 and "在代码仓库里" in result.output
    assert not Path(app.config["KEYS_DIR"]).exists()


def test_rotate_revoke_and_list(app: Flask, runner) -> None:
    runner.invoke(args=["init-keys"])
    rotated = runner.invoke(args=["rotate-keys"])
    assert rotated.exit_code == 0 and "retired" in rotated.output
    listed = runner.invoke(args=["list-keys"]).output.splitlines()
    assert [line.split()[1] for line in listed] == ["retired", "active"]
    old_kid = listed[0].split()[0]
    assert runner.invoke(args=["revoke-key", old_kid, "--reason", "旧"]).exit_code == 0
    assert runner.invoke(args=["list-keys"]).output.split()[1] == "revoked"
    missing = runner.invoke(args=["revoke-key", "QQ"])
    assert missing.exit_code == 2 and "没有编号为" in missing.output


def test_plates_refused_before_a_division_is_set(app: Flask, runner, tmp_path: Path) -> None:
    community_id = _compound(app, None)
    runner.invoke(args=["init-keys"])
    result = runner.invoke(args=["plates", "--community", str(community_id),
                                 "--out", str(tmp_path / "p")])
    assert result.exit_code == 2
    assert "还没有设置区划" in result.output and "has no division" in result.output
    assert not (tmp_path / "p").exists()
    assert runner.invoke(args=["plate-url", "110108010000-001-003-02"]).exit_code == 2


def test_plates_without_keys_refused(app: Flask, runner, tmp_path: Path) -> None:
    _compound(app, "110108010")
    result = runner.invoke(args=["plates", "--community", "110108010000-001",
                                 "--out", str(tmp_path)])
    assert result.exit_code == 2 and "init-keys" in result.output


def test_plates_written(app: Flask, runner, tmp_path: Path) -> None:
    _compound(app, "110108010")
    runner.invoke(args=["init-keys"])
    out = tmp_path / "plates"
    result = runner.invoke(args=["plates", "--community", "110108010000-001",
                                 "--out", str(out), "--format", "svg"])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert names == ["110108010000-001-003-02.ndef", "110108010000-001-003-02.svg",
                     "110108010000-001-003.ndef", "110108010000-001-003.svg",
                     "sheet-A4-01.svg"]
    url = runner.invoke(args=["plate-url", "110108010000-001-003-02"]).output.strip()
    with app.test_client() as client:
        keyset = client.get("/.well-known/youlu-keys.json").json
    assert verify_plate(url, keyset).genuine
    revoked = runner.invoke(args=["revoke-plate", "110108010000-001-003-02"])
    assert revoked.exit_code == 0 and "next issue 2" in revoked.output
    assert ".2/" in runner.invoke(args=["plate-url", "110108010000-001-003-02"]).output


def test_assign_codes_is_idempotent(app: Flask, runner) -> None:
    _compound(app, "110108010")
    result = runner.invoke(args=["assign-codes"])
    assert result.exit_code == 0 and "0 codes assigned" in result.output
