"""Plate commands: ``init-keys``, ``rotate-keys``, ``revoke-key``, ``revoke-plate``,
``list-keys``, ``assign-codes``, ``plate-url`` and ``plates``."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from app.addresses.codes import allocate_all, find_by_code
from app.cli_support import domain_errors, unit_of_work
from app.db import get_session
from app.models import SigningKey
from app.plates.keys import (
    active_signer,
    init_keys,
    keys_dir,
    revoke_key,
    revoke_plate,
    rotate_keys,
    signed_url,
)
from app.plates.service import make_community_plates
from geo.address.signing import private_key_path
from maps.plates import FORMATS


def _key_line(row: SigningKey) -> str:
    path = private_key_path(keys_dir(), row.kid)
    mode = f"{stat.S_IMODE(path.stat().st_mode):o}" if path.exists() else "无私钥/no file"
    return f"{row.kid}  {row.status:<8} {row.created_at:%Y-%m-%d}  {path} ({mode})"


@click.command("init-keys")
@with_appcontext
@domain_errors
@unit_of_work()
def init_keys_command() -> None:
    """Create the first plate-signing key (private key file mode 600 in KEYS_DIR)."""
    row = init_keys(get_session(), keys_dir())
    click.echo(f"签名密钥已创建 / signing key created: {_key_line(row)}")


@click.command("rotate-keys")
@with_appcontext
@domain_errors
@unit_of_work()
def rotate_keys_command() -> None:
    """Start signing with a new key; plates of the old key keep verifying."""
    new, old = rotate_keys(get_session(), keys_dir())
    if old is not None:
        click.echo(f"旧密钥已停用（仍可验证）/ retired: {old.kid}")
    click.echo(f"新密钥 / new key: {_key_line(new)}")


@click.command("revoke-key")
@click.argument("kid")
@click.option("--reason", help="Why (recorded and published).")
@with_appcontext
@domain_errors
@unit_of_work()
def revoke_key_command(kid: str, reason: str | None) -> None:
    """Revoke a signing key: every plate it signed is shown as not genuine."""
    row = revoke_key(get_session(), kid, reason=reason)
    click.echo(f"已吊销 / revoked: {row.kid}")


@click.command("revoke-plate")
@click.argument("code")
@click.option("--reason", help="Why (lost, stolen, misplaced; published).")
@with_appcontext
@domain_errors
@unit_of_work()
def revoke_plate_command(code: str, reason: str | None) -> None:
    """Revoke the plates in use for CODE; the next print gets the next issue number."""
    row = revoke_plate(get_session(), code, reason=reason, actor="cli")
    click.echo(f"已作废 / revoked: {row.code} 第{row.issue}版 (issue {row.issue}); "
               f"新门牌为第{row.issue + 1}版 / next issue {row.issue + 1}")


@click.command("list-keys")
@with_appcontext
@domain_errors
@unit_of_work()
def list_keys_command() -> None:
    """List signing keys with their status and private key file."""
    for row in get_session().scalars(select(SigningKey).order_by(SigningKey.created_at)):
        click.echo(_key_line(row))


@click.command("assign-codes")
@with_appcontext
@domain_errors
@unit_of_work()
def assign_codes_command() -> None:
    """Give codes to features stored before codes existed (new ones get them on save)."""
    count = allocate_all(get_session())
    click.echo(f"新编码 {count} 个 / {count} codes assigned")


@click.command("plate-url")
@click.argument("code")
@with_appcontext
@domain_errors
@unit_of_work()
def plate_url_command(code: str) -> None:
    """Print the signed URL a plate for CODE carries."""
    db = get_session()
    row = find_by_code(db, code)
    signer = active_signer(db, keys_dir())
    click.echo(signed_url(db, row.code, signer,  # type: ignore[attr-defined]
                          base_url=current_app.config["PUBLIC_BASE_URL"]))


@click.command("plates")
@click.option("--community", "community", required=True, help="Compound code (or id).")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for the plate files.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="pdf", show_default=True)
@click.option("--dpi", type=click.IntRange(72, 1200), default=300, show_default=True,
              help="Resolution of PNG plates.")
@click.option("--json", "as_json", is_flag=True, help="Print the files written as JSON.")
@with_appcontext
@domain_errors
@unit_of_work()
def plates_command(community: str, out_dir: str, fmt: str, dpi: int, as_json: bool) -> None:
    """Write a signed QR plate for every gate, building and unit of a compound, an NDEF
    file per plate for NFC tags, and A4 sheets for printing."""
    written = make_community_plates(get_session(), community, Path(out_dir), fmt,
                                    keys_dir=keys_dir(), dpi=dpi,
                                    base_url=current_app.config["PUBLIC_BASE_URL"])
    plates = sum(1 for p in written if p.suffix == f".{fmt}" and not p.name.startswith("sheet"))
    if as_json:
        click.echo(json.dumps({"plates": plates, "files": [str(p) for p in written]},
                              ensure_ascii=False))
        return
    click.echo(f"门牌 {plates} 块，文件 {len(written)} 个，在 {out_dir} / "
               f"{plates} plates, {len(written)} files in {out_dir}")


COMMANDS = [init_keys_command, rotate_keys_command, revoke_key_command, revoke_plate_command,
            list_keys_command, assign_codes_command, plate_url_command, plates_command]
