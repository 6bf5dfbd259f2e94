"""Plates per second for every unit of the bundled Beijing data, against bare QR-code
generation of the same URLs in the same run.

A plate is the whole job for one unit door: sign its code, lay out the plate (QR symbol
included) and draw it as PNG (300 dpi), PDF or SVG. The baseline draws only the QR code
of the same URL as a PNG with the qrcode library's defaults. The ratio says how many bare
QR codes the time of one plate would buy.

    .venv/bin/python bench/plates.py [--formats png,pdf,svg] [--json]

With ``--json`` the last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import io
import json
import tempfile
import time

import qrcode
from sqlalchemy import func, select

from _common import EXTRACTS
from app import create_app
from app.addresses.codes import community_of
from app.addresses.commands import init_database
from app.db import get_session
from app.imports.importer import import_osm
from app.models import Unit
from app.plates.keys import active_signer, init_keys, keys_dir, signed_url
from app.plates.service import plate_spec
from geo import settings
from geo.address.qr_url import make_qr, qr_matrix
from maps.plates import render_plate, specs_text

BASE_URL = "https://youlu.example.cn"


def _bare_qr(urls: list[str]) -> float:
    """Seconds to make a PNG of each URL's QR code with the qrcode library's defaults."""
    start = time.perf_counter()
    for url in urls:
        buffer = io.BytesIO()
        qrcode.make(url).save(buffer)
    return time.perf_counter() - start


def _plates(db, units: list[Unit], fmt: str, signer) -> float:
    """Seconds to sign and draw a plate for each unit, as ``write_plates`` does: the font
    is subset once for the batch, then each plate is drawn on its own."""
    qr_matrix.cache_clear()
    start = time.perf_counter()
    specs = [plate_spec(db, unit, community_of(db, unit),
                        signed_url(db, unit.code, signer, base_url=BASE_URL))
             for unit in units]
    font_text = specs_text(specs)
    for spec in specs:
        render_plate(spec, fmt, font_text=font_text)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--formats", default="png,pdf,svg")
    parser.add_argument("--json", action="store_true", help="last line: one JSON object")
    args = parser.parse_args()
    formats = [f for f in args.formats.split(",") if f]
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
                          "KEYS_DIR": f"{tmp}/keys", "PUBLIC_BASE_URL": BASE_URL,
                          "TESTING": True})
        with app.app_context():
            init_database(get_session())
            db = get_session()
            for name, division in EXTRACTS.items():
                import_osm(db, settings.OSM_DIR / name, division=division)
            init_keys(db, keys_dir())
            signer = active_signer(db, keys_dir())
            all_units = db.scalar(select(func.count()).select_from(Unit))
            units = list(db.scalars(select(Unit).where(Unit.code.is_not(None))
                                    .order_by(Unit.code)))
            urls = [signed_url(db, u.code, signer, base_url=BASE_URL) for u in units]
            version = max(make_qr(url).version for url in urls)
            # read the 16 MB font's metrics once, outside the timings
            render_plate(plate_spec(db, units[0], community_of(db, units[0]), urls[0]), "png")
            baseline_s = _bare_qr(urls)
            timings = {fmt: _plates(db, units, fmt, signer) for fmt in formats}
        app.extensions["db_engine"].dispose()

    n = len(units)
    qr_per_s = n / baseline_s
    rows = {fmt: {"seconds": round(s, 3), "plates_per_s": round(n / s, 2),
                  "ratio_to_bare_qr": round((n / s) / qr_per_s, 3)}
            for fmt, s in timings.items()}
    print(f"unit doors imported: {all_units}, in coded compounds (plated): {n}; "
          f"QR version of a unit plate at EC M: {version}")
    print(f"{'what':<16}{'seconds':>10}{'per second':>12}{'ratio':>8}")
    print(f"{'bare QR (png)':<16}{baseline_s:>10.3f}{qr_per_s:>12.1f}{1.0:>8.3f}")
    for fmt, row in rows.items():
        print(f"{'plate ' + fmt:<16}{row['seconds']:>10.3f}{row['plates_per_s']:>12.1f}"
              f"{row['ratio_to_bare_qr']:>8.3f}")
    if args.json:
        print(json.dumps({"units": n, "units_imported": all_units, "qr_version": version,
                          "error_correction": "M",
                          "bare_qr_per_s": round(qr_per_s, 2),
                          "bare_qr_seconds": round(baseline_s, 3), "plates": rows}))


if __name__ == "__main__":
    main()
