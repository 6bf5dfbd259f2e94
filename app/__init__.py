"""Youlu 友路: the Flask application factory.

Every blueprint and every CLI command is registered here, explicitly, as in the Flask
tutorial's ``flaskr/__init__.py``; importing a module registers nothing.

Importing the app makes about 170,000 objects (modules, classes, functions) that live as
long as the process. The cyclic garbage collector is paused while they are made (with it,
a new worker spent about 0.2 s of its start in collections that found nothing to free) and
they are then frozen (``gc.freeze``), so that no later collection scans them again.
"""

# ruff: noqa: E402 (the collector is paused before the imports below)
from __future__ import annotations

from geo import collector

collector.pause()

from pathlib import Path
from typing import Any

from flask import Blueprint, Flask

from app import db, errors, extensions, security
from app.accounts import commands as account_commands
from app.accounts import views as account_views
from app.addresses import api as address_api
from app.addresses import codes
from app.addresses import commands as address_commands
from app.apidocs.views import bp as openapi_bp
from app.config import load_config
from app.demo import commands as demo_commands
from app.ids import IdConverter
from app.imports import commands as import_commands
from app.imports import job as import_job
from app.imports import views as import_views
from app.install import commands as install_commands
from app.jobs import commands as job_commands
from app.jobs import service as job_service
from app.jobs import views as job_views
from app.mapping import api as map_api
from app.mapping import views as map_views
from app.office import views as office_home
from app.open311 import views as open311_views
from app.page_errors import register as register_page_errors
from app.places import api as place_api
from app.places import commands as place_commands
from app.places import editor_api, editor_views
from app.places import import_job as file_import_job
from app.planner import api as planner_api
from app.planner import commands as planner_commands
from app.planner import office_views as pilot_office_views
from app.planner import views as planner_views
from app.plates import api as plate_api
from app.plates import commands as plate_commands
from app.plates import download_views as plate_downloads
from app.plates import poster_commands, poster_views
from app.plates import views as plate_views
from app.platforms import api as platform_api
from app.platforms import attestation_api, webhook_api
from app.platforms import batch_api as platform_batch_api
from app.platforms import commands as platform_commands
from app.platforms import feed as platform_feed
from app.points import views as point_views
from app.reports import views as report_views
from app.riders import commands as rider_commands
from app.riders import office_views as rider_office_views
from app.riders import pass_views
from app.riders import policy_api as pass_policy_api
from app.routing import api as routing_api
from app.routing import commands as routing_commands
from app.routing import warm as routing_warm
from app.site import views as site_views
from app.volunteering import views as volunteer_views
from geo.hours.opening_hours import local_text

# /api/v1: JSON for machines. The OpenAPI document comes first so that
# /api/v1/openapi.json is not taken for a resource name.
API_BLUEPRINTS = (openapi_bp, plate_api.bp, address_api.bp, routing_api.bp, place_api.bp,
                  editor_api.bp, map_api.bp, platform_api.bp, platform_batch_api.bp,
                  webhook_api.bp, planner_api.bp, attestation_api.bp, pass_policy_api.bp,
                  job_views.api_bp)
# /office: pages for community offices, each feature's own.
OFFICE_BLUEPRINTS = (account_views.bp, editor_views.bp, rider_office_views.bp,
                     report_views.office_bp, point_views.office_bp,
                     office_home.bp, volunteer_views.office_bp, job_views.office_bp, import_views.bp,
                     pilot_office_views.bp)
# Pages for riders, planners and everyone.
PAGE_BLUEPRINTS = (site_views.bp, plate_views.bp, plate_downloads.bp, map_views.bp, poster_views.bp,
                   pass_views.bp, report_views.bp, report_views.rider_bp, point_views.rider_bp,
                   volunteer_views.rider_bp, planner_views.bp)
COMMANDS = (*account_commands.COMMANDS, *import_commands.COMMANDS,
            *demo_commands.COMMANDS, *plate_commands.COMMANDS, *place_commands.COMMANDS,
            *rider_commands.COMMANDS, *address_commands.COMMANDS, *poster_commands.COMMANDS,
            *routing_commands.COMMANDS, *platform_commands.COMMANDS,
            *install_commands.COMMANDS, *planner_commands.COMMANDS, *job_commands.COMMANDS)
# Job kinds whose package queues them itself (so app.jobs may not import it).
job_service.register(import_job.KIND, import_job.KIND_ZH, import_job.import_job)
job_service.register(file_import_job.KIND, file_import_job.KIND_ZH, file_import_job.import_file_job)
collector.end_pause(freeze=True)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: configuration, database, extensions, blueprints, CLI.

    ``config`` overrides the defaults and the environment (tests pass DATABASE_URL here).
    """
    app = Flask(__name__, instance_relative_config=True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(load_config(Path(app.instance_path)))
    if config:
        app.config.from_mapping(config)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.jinja_env.globals["local"] = local_text  # Beijing time on every page
    app.url_map.converters["int"] = IdConverter  # ids past the range: 404, before any rule
    app.jinja_env.globals["rider_news"] = report_views.rider_news  # the rider page's notice

    db.init_app(app)
    codes.init_app(app)  # standard address codes are allocated on flush
    platform_feed.init_app(app)  # audit entries numbered for the change feed on commit
    extensions.init_app(app)
    errors.init_app(app)
    security.init_app(app)  # headers on every response, Secure cookies, ProxyFix
    account_views.init_app(app)  # who is asking, before every request

    api = Blueprint("api", __name__, url_prefix="/api/v1")
    for child in API_BLUEPRINTS:
        api.register_blueprint(child)
        extensions.csrf.exempt(child)  # tokens need no CSRF; session writes check it in auth
    office = Blueprint("office", __name__, url_prefix="/office")
    register_page_errors(office, {})
    for child in OFFICE_BLUEPRINTS:
        office.register_blueprint(child)
    for blueprint in (api, office, *PAGE_BLUEPRINTS):
        app.register_blueprint(blueprint)
    app.register_blueprint(open311_views.bp)  # Open311 clients send an api_key, not a session
    extensions.csrf.exempt(open311_views.bp)

    for command in COMMANDS:
        app.cli.add_command(command)
    routing_warm.init_app(app)  # the first route of a fresh server does not wait
    return app
