"""Plate fixtures (loaded for every test by the root conftest): a signed plate spec, and a
compound with a building, a unit, a gate and a signing key (``plated``) whose signed links
the tests open through the Flask test client."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
import zxingcpp
from flask import Flask
from flask.testing import FlaskClient
from shapely.geometry import Point, box

from app.db import get_session
from app.models import Building, Community, Gate, Unit
from app.plates.keys import active_signer, init_keys, keys_dir, signed_url
from geo.address.qr_url import plate_url
from geo.address.signing import generate_key, sign_plate
from maps.plates import PlateSpec

ISSUER = "https://youlu.example.cn"
HOST = ISSUER.upper()


@pytest.fixture(scope="module")
def spec() -> PlateSpec:
    kid, key = generate_key()
    code = "110108010000-008-003-02"
    return PlateSpec(code=code, kind="unit", title="3号楼 2单元", community_name="双泉嘉苑",
                     address="北京市海淀区学院路街道 双泉嘉苑 3号楼 2单元",
                     url=plate_url(ISSUER, code, kid, 1, sign_plate(key, kid, code)))


def decode(image: np.ndarray) -> list[str]:
    """Every QR text zxing-cpp finds in ``image``."""
    return [r.text for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]


@dataclass
class Plated:
    app: Flask
    client: FlaskClient
    codes: dict[str, str]

    def url(self, what: str) -> str:
        with self.app.app_context():
            db = get_session()
            return signed_url(db, self.codes[what], active_signer(db, keys_dir()),
                              base_url=ISSUER)

    def page(self, url: str):
        return self.client.get(url.removeprefix(HOST))


@pytest.fixture
def plated(app: Flask, client: FlaskClient) -> Plated:
    """A compound 双泉嘉苑 in 学院路街道 with 3号楼 2单元 and 北门, and a signing key."""
    app.config["PUBLIC_BASE_URL"] = ISSUER
    with app.app_context():
        db = get_session()
        community = Community(name="双泉嘉苑", division_code="110108010",
                              geom=box(116.3500, 40.0000, 116.3520, 40.0015))
        db.add(community)
        db.flush()
        building = Building(community_id=community.id, number="3", name="3号楼",
                            geom=box(116.3505, 40.0005, 116.3508, 40.0008))
        gate = Gate(community_id=community.id, number="1", name="北门",
                    geom=Point(116.3510, 40.0015))
        db.add_all([building, gate])
        db.flush()
        unit = Unit(building_id=building.id, community_id=community.id, number="2",
                    geom=Point(116.3506, 40.0005))
        db.add(unit)
        db.commit()
        init_keys(db, keys_dir())
        codes = {"community": community.code, "building": building.code, "unit": unit.code,
                 "gate": gate.code}
    return Plated(app, client, codes)
