"""Door plates of a compound from the database: what each plate says, signed, and the files."""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.addresses.codes import full_address, lookup_by_code_or_id, place_label, require_code
from app.models import Building, Community, Gate, PlaceFeature, Unit
from app.plates.keys import active_signer, signed_url
from geo.errors import InvalidInput
from maps.plates import PlateSpec, write_plates


def plate_places(session: Session, community: Community) -> list[PlaceFeature]:
    """The gates, buildings and units of ``community`` that have codes, in code order."""
    places: list[PlaceFeature] = []
    for model in (Gate, Building):
        places += session.scalars(select(model).where(
            model.community_id == community.id, model.code.is_not(None)))
    places += session.scalars(select(Unit).join(Building, Unit.building_id == Building.id).where(
        Building.community_id == community.id, Unit.code.is_not(None)))
    return sorted(places, key=lambda row: row.code)  # type: ignore[attr-defined]


def plate_spec(session: Session, row: PlaceFeature, community: Community, url: str) -> PlateSpec:
    """What the plate of ``row`` says."""
    return PlateSpec(code=row.code, kind=type(row).__name__.lower(),  # type: ignore[attr-defined]
                     title=place_label(session, row), community_name=community.name,
                     address=full_address(session, row), url=url)


def community_plate_specs(session: Session, value: str, *, keys_dir: Path,
                          base_url: str) -> tuple[Community, list[PlateSpec]]:
    """The compound named by ``value`` (code or id) and a signed plate for each of its
    gates, buildings and units. Refuses clearly when the compound has no code yet."""
    community = lookup_by_code_or_id(session, Community, value)
    require_code(session, community)
    places = plate_places(session, community)
    if not places:
        raise InvalidInput(f"小区“{community.name}”还没有带编码的出入口、楼栋或单元",
                           f"compound {community.name!r} has no coded gates, buildings or units")
    signer = active_signer(session, keys_dir)
    return community, [plate_spec(session, row, community,
                                  signed_url(session, row.code, signer, base_url=base_url))
                       for row in places]


def zip_files(archive: zipfile.ZipFile, files: Sequence[Path], *,
              on_file: Callable[[int], None] | None = None) -> None:
    """Add ``files`` to ``archive`` under their names; ``on_file(n)`` after the n-th."""
    for done, path in enumerate(files, start=1):
        archive.write(path, path.name)
        if on_file is not None:
            on_file(done)


def make_community_plates(session: Session, value: str, out_dir: Path, fmt: str, *,
                          keys_dir: Path, base_url: str, dpi: int = 300) -> list[Path]:
    """Write the plates of a compound (code or id) into ``out_dir``; returns the files."""
    _community, specs = community_plate_specs(session, value, keys_dir=keys_dir,
                                              base_url=base_url)
    return write_plates(specs, out_dir, fmt, dpi=dpi)
