"""geo.address.signing: key ids, private key files, signing, and the published key set."""

from __future__ import annotations

import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from geo.address.qr_url import plate_url
from geo.address.signing import (
    KEY_ID_CHARS,
    PublishedKey,
    generate_key,
    key_id,
    keyset_document,
    load_private_key,
    private_key_path,
    public_key_from_text,
    public_key_text,
    save_private_key,
    sign_plate,
)
from geo.address.verify import verify_plate
from geo.errors import InvalidInput

CODE = "110108010000-001-003-02"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_key_id_is_short_base32_and_derived_from_the_key() -> None:
    kid, private = generate_key()
    assert kid == key_id(private.public_key())
    assert len(kid) == KEY_ID_CHARS and all(c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" for c in kid)


def test_generate_avoids_taken_ids() -> None:
    taken = set()
    for _ in range(40):
        kid, _key = generate_key(taken=taken)
        assert kid not in taken
        taken.add(kid)


def test_private_key_file_mode_600(tmp_path: Path) -> None:
    kid, private = generate_key()
    keys_dir = tmp_path / "keys"
    path = save_private_key(keys_dir, kid, private)
    assert path == private_key_path(keys_dir, kid)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(keys_dir.stat().st_mode) == 0o700
    loaded = load_private_key(keys_dir, kid)
    assert public_key_text(loaded.public_key()) == public_key_text(private.public_key())


def test_never_overwrites_a_key(tmp_path: Path) -> None:
    kid, private = generate_key()
    save_private_key(tmp_path, kid, private)
    with pytest.raises(InvalidInput, match="不会覆盖"):
        save_private_key(tmp_path, kid, generate_key()[1])


def test_refuses_missing_or_world_readable_key(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="init-keys"):
        load_private_key(tmp_path, "AA")
    kid, private = generate_key()
    path = save_private_key(tmp_path, kid, private)
    path.chmod(0o644)
    with pytest.raises(InvalidInput, match="600"):
        load_private_key(tmp_path, kid)


def test_public_key_text_round_trip() -> None:
    _kid, private = generate_key()
    text = public_key_text(private.public_key())
    assert len(text) == 43
    assert public_key_text(public_key_from_text(text)) == text


def test_rotation_old_plates_verify_until_revoked() -> None:
    old_kid, old = generate_key()
    new_kid, new = generate_key(taken={old_kid})
    old_url = plate_url("https://youlu.example.cn", CODE, old_kid, 1,
                        sign_plate(old, old_kid, CODE))
    new_url = plate_url("https://youlu.example.cn", CODE, new_kid, 1,
                        sign_plate(new, new_kid, CODE))

    def keyset(old_status: str) -> dict:
        return keyset_document("https://youlu.example.cn/", [
            PublishedKey(old_kid, public_key_text(old.public_key()), old_status, NOW),
            PublishedKey(new_kid, public_key_text(new.public_key()), "active", NOW),
        ], [])

    assert verify_plate(old_url, keyset("retired")).genuine
    assert verify_plate(new_url, keyset("retired")).genuine
    assert verify_plate(old_url, keyset("revoked")).reason == "revoked_key"
    assert verify_plate(new_url, keyset("revoked")).genuine


def test_keyset_document_shape() -> None:
    kid, private = generate_key()
    doc = keyset_document("https://youlu.example.cn/", [
        PublishedKey(kid, public_key_text(private.public_key()), "active", NOW)],
        [{"code": CODE, "issue": 1, "revoked": NOW.isoformat(), "reason": "stolen"}])
    assert doc["issuer"] == "https://youlu.example.cn"
    assert doc["keys"][0]["crv"] == "Ed25519" and doc["keys"][0]["kid"] == kid
    assert doc["keys"][0]["revoked"] is None
    assert doc["revoked_plates"][0]["code"] == CODE
    assert "youlu-plate-v1|<kid>|<issue>|<code>" in doc["signed_bytes"]
