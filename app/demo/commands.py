"""``demo``: build the demo database from the bundled real data, make the plate-signing
key, and serve it; the public address (the key document's issuer, the plates' URLs) is
the one served unless ``YOULU_PUBLIC_BASE_URL`` says otherwise."""

from __future__ import annotations

import os

import click
from flask import current_app
from flask.cli import with_appcontext
from werkzeug.serving import run_simple

from app.addresses.commands import init_database
from app.cli_support import domain_errors, unit_of_work
from app.demo.service import build_demo
from app.plates.keys import ensure_signing_key, keys_dir
from app.routing import warm as routing_warm
from app.routing.service import cache_dir

WILDCARD_HOSTS = ("0.0.0.0", "::")  # listening on every address: plates name the local one


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Build the demo database and exit.")
@with_appcontext
@domain_errors
def demo_command(host: str, port: int, no_serve: bool) -> None:
    """Build the database from the bundled Beijing extracts plus demo annotations, then serve."""
    if "YOULU_PUBLIC_BASE_URL" not in os.environ:  # the key document names this server
        public_host = "127.0.0.1" if host in WILDCARD_HOSTS else host
        current_app.config["PUBLIC_BASE_URL"] = f"http://{public_host}:{port}"
    with unit_of_work() as session:  # committed before serving
        init_database(session)
        report = build_demo(session, cache_dir=cache_dir())
        key, _made = ensure_signing_key(session, keys_dir())
    for item in report.imported:
        created = sum(item["created"].values())
        click.echo(f"导入 {item['file']}：新增 {created} 个要素 / imported {item['file']}: {created} new")
    click.echo(f"演示标注 {report.changes} 处 / {report.changes} demo annotations applied")
    click.echo(f"门牌签名密钥 {key.kid}，签发方 {current_app.config['PUBLIC_BASE_URL']} / "
               f"plate-signing key {key.kid}, issuer {current_app.config['PUBLIC_BASE_URL']}")
    for username, password, role in report.users:
        click.echo(f"演示账号 demo account: {username} / {password} ({role})")
    if no_serve:
        return
    url = f"http://{host}:{port}/"
    click.echo(f"友路演示已启动，请用浏览器打开 / Youlu demo running at: {url}")
    # flask types current_app as the Flask app itself; it is a LocalProxy to it
    flask_app = current_app._get_current_object()  # type: ignore[attr-defined]
    routing_warm.start(flask_app)
    run_simple(host, port, flask_app, threaded=True, use_reloader=False)


COMMANDS = [demo_command]
