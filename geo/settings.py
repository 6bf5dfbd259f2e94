"""Tunables of the domain library, with defaults and environment overrides.

Each setting reads ``YOULU_<NAME>`` from the environment when set. Units are in the
names: metres (``_M``), seconds (``_S``), km/h (``_KMH``), m/s (``_MS``), days.
"""

from __future__ import annotations

import os
from pathlib import Path


def _float(name: str, default: float) -> float:
    return float(os.environ.get(f"YOULU_{name}", default))


def _int(name: str, default: int) -> int:
    return int(os.environ.get(f"YOULU_{name}", default))


def _path(name: str, default: Path) -> Path:
    return Path(os.environ.get(f"YOULU_{name}", str(default)))


PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = _path("DATA_DIR", PROJECT_ROOT / "data")
DIVISIONS_DIR = DATA_DIR / "divisions"
OSM_DIR = DATA_DIR / "osm"

# --- OSM import -------------------------------------------------------------------
# A gate node belongs to a compound when it lies within this distance of its boundary.
GATE_MATCH_DISTANCE_M = _float("GATE_MATCH_DISTANCE_M", 30.0)
# A road crossing a boundary with no gate within this distance gets an inferred gate.
INFERRED_GATE_MIN_SPACING_M = _float("INFERRED_GATE_MIN_SPACING_M", 25.0)
# A road ending this close to a boundary without crossing it leads to an inferred gate.
ROAD_END_GATE_DISTANCE_M = _float("ROAD_END_GATE_DISTANCE_M", 12.0)
# A barrier=wall/fence way is a compound's own when most of it runs this close to the boundary.
WALL_ALONG_BOUNDARY_M = _float("WALL_ALONG_BOUNDARY_M", 15.0)
# A gate on a road that enters a compound belongs to it up to this far from its boundary.
GATE_ON_ROAD_MAX_M = _float("GATE_ON_ROAD_MAX_M", 100.0)
# Smallest compound polygon imported, square metres (drops slivers and mis-tags).
MIN_COMMUNITY_AREA_M2 = _float("MIN_COMMUNITY_AREA_M2", 2000.0)

# --- Input checks -----------------------------------------------------------------
# A gate written through the API must lie within this distance of its compound boundary.
GATE_MAX_OFFSET_M = _float("GATE_MAX_OFFSET_M", 50.0)
# Largest request body accepted by the API and importers, bytes.
MAX_UPLOAD_BYTES = _int("MAX_UPLOAD_BYTES", 20 * 1024 * 1024)

# --- Routing ----------------------------------------------------------------------
EBIKE_SPEED_KMH = _float("EBIKE_SPEED_KMH", 18.0)
EBIKE_INSIDE_SPEED_KMH = _float("EBIKE_INSIDE_SPEED_KMH", 10.0)
WALK_SPEED_MS = _float("WALK_SPEED_MS", 1.3)
GATE_DELAY_S = _float("GATE_DELAY_S", 20.0)
PARKING_DELAY_S = _float("PARKING_DELAY_S", 30.0)
# Extra cost of leaving the e-bike on the street or at a gate instead of at a parking
# facility or the door: a facility up to this many seconds' walk further is preferred.
STREET_PARKING_PENALTY_S = _float("STREET_PARKING_PENALTY_S", 60.0)
# A road segment crossing a compound boundary within this distance of one of its gates
# passes through that gate; other crossings are walls and are cut.
GATE_PASSAGE_SNAP_M = _float("GATE_PASSAGE_SNAP_M", 30.0)
# A gate with no road through it is linked to the nearest road within this distance.
GATE_CONNECT_MAX_M = _float("GATE_CONNECT_MAX_M", 80.0)
# A start point farther than this from any road is refused.
ROUTE_SNAP_MAX_M = _float("ROUTE_SNAP_MAX_M", 300.0)
# A street network serves points up to this far beyond its nodes' extent (and the
# extract's bounds), so a gate or facility at the edge of an extract is still served.
NETWORK_COVER_MARGIN_M = _float("NETWORK_COVER_MARGIN_M", 300.0)
# A rider scanning a gate's plate stands this far outside the compound (routes start there).
GATE_STREET_SIDE_M = _float("GATE_STREET_SIDE_M", 8.0)
# A start snaps to a road open to e-bikes unless a footway is this much nearer.
SNAP_PREFER_RIDE_M = _float("SNAP_PREFER_RIDE_M", 30.0)
# A rider may push the e-bike this far from the start: to a road other than the nearest,
# or against a one-way street to where riding is allowed.
PUSH_MAX_M = _float("PUSH_MAX_M", 30.0)
# After parking, a route walks at most this far outside compounds (then it rides on to a
# nearer parking place or gate); only when no route keeps to it is the bound dropped.
WALK_AFTER_PARKING_MAX_M = _float("WALK_AFTER_PARKING_MAX_M", 300.0)
# Ends of office-drawn paths join the network within this distance.
OFFICE_PATH_SNAP_M = _float("OFFICE_PATH_SNAP_M", 8.0)
# Nearest-facility search: the farthest it looks, seconds, and most results.
NEAREST_MAX_S = _float("NEAREST_MAX_S", 1800.0)
# Route steps shorter than this (metres) that only bend are folded into the step before.
FOLD_STEP_M = _float("FOLD_STEP_M", 20.0)
NEAREST_MAX_K = _int("NEAREST_MAX_K", 20)
# Isochrones: the longest allowed, minutes; the spacing of the grid their outline is traced
# on, metres (it lies 0.35 to 2.9 spacings off the streets reached); the smallest hole
# kept, square metres; answers kept per network version.
ISOCHRONE_MAX_MINUTES = _float("ISOCHRONE_MAX_MINUTES", 30.0)
ISOCHRONE_GRID_M = _float("ISOCHRONE_GRID_M", 15.0)
ISOCHRONE_HOLE_M2 = _float("ISOCHRONE_HOLE_M2", 40_000.0)
ISOCHRONE_CACHE_SIZE = _int("ISOCHRONE_CACHE_SIZE", 256)
# Minutes saved per delivery: the longest entry-to-exit counted as one delivery, seconds,
# and the most (gate, unit) routes measured for one report.
SAVINGS_VISIT_MAX_S = _float("SAVINGS_VISIT_MAX_S", 3600.0)
SAVINGS_MAX_ROUTES = _int("SAVINGS_MAX_ROUTES", 300)
# Local time of gate and facility opening hours.
LOCAL_TIMEZONE = os.environ.get("YOULU_LOCAL_TIMEZONE", "Asia/Shanghai")
# Highway classes, speeds and labels of the e-bike and walking networks.
ROUTING_MODES_FILE = DATA_DIR / "routing" / "modes.json"
# Compiled street graphs are cached here (the app uses its CACHE_DIR/routing).
ROUTING_CACHE_DIR = _path("ROUTING_CACHE_DIR", PROJECT_ROOT / "instance" / "cache" / "routing")

# --- Office editor checks -----------------------------------------------------------
# A gate farther than this from its compound's boundary is pointed out while editing.
EDIT_GATE_ON_BOUNDARY_M = _float("EDIT_GATE_ON_BOUNDARY_M", 5.0)
# A unit door farther than this from its building's outline is pointed out.
UNIT_DOOR_MAX_OFFSET_M = _float("UNIT_DOOR_MAX_OFFSET_M", 3.0)
# Local time ("HH:MM") at which each compound should have a gate open to riders.
NIGHT_CHECK_TIME = os.environ.get("YOULU_NIGHT_CHECK_TIME", "23:30")

# --- Privacy ----------------------------------------------------------------------
ENTRY_LOG_RETENTION_DAYS = _int("ENTRY_LOG_RETENTION_DAYS", 90)
# Days a finished job (后台任务) and its file are kept before ``purge-jobs`` removes them.
JOBS_KEEP_DAYS = _int("JOBS_KEEP_DAYS", 7)

# --- Rider passes and gate check-in (issue 6) ---------------------------------------
# Taps by one rider this close together are one event (a double tap, a retry), seconds.
CHECKIN_REPEAT_WINDOW_S = _float("CHECKIN_REPEAT_WINDOW_S", 10.0)
# A rider may renew a pass from this many days before it runs out (and after).
PASS_RENEW_WINDOW_DAYS = _int("PASS_RENEW_WINDOW_DAYS", 14)
# Longest validity an office may set for its passes, days.
PASS_MAX_VALIDITY_DAYS = _int("PASS_MAX_VALIDITY_DAYS", 366)
# How long an office usually takes to review a pass request, hours (told to the rider).
PASS_REVIEW_EXPECTED_HOURS = _int("PASS_REVIEW_EXPECTED_HOURS", 24)
# Phone verification: code length, lifetime, wrong guesses allowed, wait before resending.
PHONE_CODE_DIGITS = _int("PHONE_CODE_DIGITS", 6)
PHONE_CODE_TTL_S = _float("PHONE_CODE_TTL_S", 600.0)
PHONE_CODE_MAX_ATTEMPTS = _int("PHONE_CODE_MAX_ATTEMPTS", 5)
PHONE_CODE_RESEND_S = _float("PHONE_CODE_RESEND_S", 60.0)
# Lifetime of the device credential cookie on a rider's phone, days.
DEVICE_COOKIE_DAYS = _int("DEVICE_COOKIE_DAYS", 400)
# Rate limits (Flask-Limiter syntax): rider pages per address, check-in taps per device,
# verification texts per phone number and per address, office log-in attempts per address.
RATELIMIT_RIDER_PAGES = os.environ.get("YOULU_RATELIMIT_RIDER_PAGES", "120 per minute")
RATELIMIT_CHECKIN = os.environ.get("YOULU_RATELIMIT_CHECKIN", "30 per minute")
RATELIMIT_SMS_PER_PHONE = os.environ.get("YOULU_RATELIMIT_SMS_PER_PHONE", "5 per hour")
RATELIMIT_SMS_PER_ADDRESS = os.environ.get("YOULU_RATELIMIT_SMS_PER_ADDRESS", "20 per hour")
RATELIMIT_LOGIN = os.environ.get("YOULU_RATELIMIT_LOGIN", "10 per minute")
# Seconds a worker counts a check-in tap's limits in memory after Redis failed, before it
# tries Redis again (no connection attempt per tap while Redis is away).
RATELIMIT_STORAGE_RETRY_S = _float("RATELIMIT_STORAGE_RETRY_S", 5.0)

# --- Maps and posters ---------------------------------------------------------------
# Where a map opens when there is no compound to show: Haidian, Beijing, as
# (west, south, east, north) in WGS-84 degrees.
DEFAULT_MAP_BOX = (116.30, 39.95, 116.40, 40.03)
# Highest zoom of the web maps (tiles are enlarged past their own highest zoom).
MAP_MAX_ZOOM = _int("MAP_MAX_ZOOM", 20)
# Streets drawn this far around a compound on its rider map and poster.
MAP_STREET_MARGIN_M = _float("MAP_STREET_MARGIN_M", 150.0)
# Facilities outside a compound shown on its rider map and poster within this distance.
MAP_FACILITY_RADIUS_M = _float("MAP_FACILITY_RADIUS_M", 300.0)
# Geometry sent to the browser is simplified to about this many screen pixels.
MAP_SIMPLIFY_PX = _float("MAP_SIMPLIFY_PX", 1.0)
# The planner map draws compound outlines from this zoom; below, clustered points.
PLANNER_POLYGON_MIN_ZOOM = _int("PLANNER_POLYGON_MIN_ZOOM", 15)
# Service circles of the planner map, minutes of riding from a facility.
PLANNER_REACH_MINUTES = [int(m) for m in os.environ.get(
    "YOULU_PLANNER_REACH_MINUTES", "5,10,15").split(",")]
# A facility counts as within reach of a compound (friendliness score) this close to it.
FRIENDLINESS_REACH_M = _float("FRIENDLINESS_REACH_M", 500.0)
# Resolution of PNG posters, dots per inch.
POSTER_DPI = _int("POSTER_DPI", 200)

# --- Address resolver -------------------------------------------------------------
# Generic words of compound and division names (小区, 住宅区; 市, 区, 街道).
ADDRESS_WORDS_FILE = DATA_DIR / "address_words.json"
# Confidences are 0–1. The best candidate is "matched" only with at least this
# confidence and this lead over the best candidate that is a different place.
RESOLVE_MATCH_MIN = _float("RESOLVE_MATCH_MIN", 0.7)
RESOLVE_MARGIN = _float("RESOLVE_MARGIN", 0.15)
# Weaker place-name matches are not listed at all.
RESOLVE_CANDIDATE_MIN = _float("RESOLVE_CANDIDATE_MIN", 0.5)
# A compound (building) offered when the building (unit) asked for is not in it.
RESOLVE_PARTIAL_FACTOR = _float("RESOLVE_PARTIAL_FACTOR", 0.5)
# A building answered for a unit when none of its doors is mapped.
RESOLVE_UNMAPPED_UNIT_FACTOR = _float("RESOLVE_UNMAPPED_UNIT_FACTOR", 0.9)
# Buildings found by number alone (no compound named): always ambiguous.
RESOLVE_NO_PLACE_CONFIDENCE = _float("RESOLVE_NO_PLACE_CONFIDENCE", 0.4)
# Longest query accepted, characters; candidates returned by default and at most.
RESOLVE_MAX_QUERY_CHARS = _int("RESOLVE_MAX_QUERY_CHARS", 200)
RESOLVE_DEFAULT_LIMIT = _int("RESOLVE_DEFAULT_LIMIT", 5)
RESOLVE_MAX_LIMIT = _int("RESOLVE_MAX_LIMIT", 50)
# Looser matches (typo, abbreviation, extra words) count for this share of their score
# when the text names some place exactly, or when their name lies inside another name
# that matches at least as well (紫京学生公寓: a typo of 紫荆学生公寓, not 学生公寓).
RESOLVE_SHADOW_FACTOR = _float("RESOLVE_SHADOW_FACTOR", 0.6)
# The resolver's index is rebuilt when places change, and at the latest after this long
# (committee names are not watched), seconds.
RESOLVE_INDEX_MAX_AGE_S = _float("RESOLVE_INDEX_MAX_AGE_S", 600.0)

# JSON from outside (request bodies, imported files): deepest nesting of arrays and objects
JSON_MAX_DEPTH = _int("JSON_MAX_DEPTH", 64)

# --- Delivery platforms -------------------------------------------------------------
# Changes per page of the feed, by default and at most.
FEED_PAGE_SIZE = _int("FEED_PAGE_SIZE", 200)
FEED_MAX_PAGE = _int("FEED_MAX_PAGE", 2000)
# Orders per POST /api/v1/routes; origins × doors per POST /api/v1/matrix.
ROUTES_MAX_ORDERS = _int("ROUTES_MAX_ORDERS", 500)
MATRIX_MAX_PAIRS = _int("MATRIX_MAX_PAIRS", 250_000)
# Webhooks: the first retry after this many seconds, doubling up to the maximum gap,
# for a day after the change; a request's timeout; signatures older than the tolerance
# are refused by receivers (seconds); the worker polls this often.
WEBHOOK_RETRY_BASE_S = _float("WEBHOOK_RETRY_BASE_S", 30.0)
WEBHOOK_RETRY_MAX_S = _float("WEBHOOK_RETRY_MAX_S", 3600.0)
WEBHOOK_RETRY_FOR_S = _float("WEBHOOK_RETRY_FOR_S", 86400.0)
WEBHOOK_TIMEOUT_S = _float("WEBHOOK_TIMEOUT_S", 10.0)
WEBHOOK_TOLERANCE_S = _int("WEBHOOK_TOLERANCE_S", 300)
WEBHOOK_POLL_S = _float("WEBHOOK_POLL_S", 5.0)

# --- 随手拍 reports and points (issue 15) -----------------------------------------
REPORT_CATEGORIES_FILE = DATA_DIR / "reports" / "categories.json"
# An open report of the same category this close is offered as "同一个问题? +1", metres.
REPORT_DUPLICATE_M = _float("REPORT_DUPLICATE_M", 50.0)
# Characters of a redemption code (letters and digits without 0/O/1/I).
REDEMPTION_CODE_CHARS = _int("REDEMPTION_CODE_CHARS", 6)
# Largest point amount one entry may carry, points.
POINTS_MAX_ENTRY = _int("POINTS_MAX_ENTRY", 10_000)

# Planner coverage: times from compound gates to facilities are searched up to this, seconds.
COVERAGE_MAX_S = _float("COVERAGE_MAX_S", 1800.0)
# Planner siting (MCLP): the solver's time limit (s), candidates made from street points
# within this of the uncovered compounds' gates (m), one per this square (m), at most this
# many candidates, and at most this many new sites.
SITING_SOLVER_MAX_S = _float("SITING_SOLVER_MAX_S", 30.0)
SITING_CANDIDATE_RADIUS_M = _float("SITING_CANDIDATE_RADIUS_M", 400.0)
SITING_CANDIDATE_SPACING_M = _float("SITING_CANDIDATE_SPACING_M", 120.0)
SITING_MAX_CANDIDATES = _int("SITING_MAX_CANDIDATES", 500)
SITING_MAX_K = _int("SITING_MAX_K", 20)

# SQLite: milliseconds a write waits for another's lock; then the answer is 503 with
# Retry-After of DB_BUSY_RETRY_AFTER_S seconds.
SQLITE_BUSY_TIMEOUT_MS = _int("SQLITE_BUSY_TIMEOUT_MS", 10_000)
DB_BUSY_RETRY_AFTER_S = _int("DB_BUSY_RETRY_AFTER_S", 5)

# Aggregates for platforms: counts under this are given as null.
AGGREGATE_MIN_COUNT = _int("AGGREGATE_MIN_COUNT", 5)
# Seconds saved against the compound's centroid: routes from this many starts on a ring
# this many metres round the compound's centroid to at most this many of its unit doors,
# at this local time (a Wednesday noon, so that opening hours are a working day's).
AGGREGATE_SAVED_STARTS = _int("AGGREGATE_SAVED_STARTS", 8)
AGGREGATE_SAVED_RING_M = _float("AGGREGATE_SAVED_RING_M", 600.0)
AGGREGATE_SAVED_DOORS = _int("AGGREGATE_SAVED_DOORS", 5)
AGGREGATE_SAVED_AT = os.environ.get("YOULU_AGGREGATE_SAVED_AT", "2025-05-07T12:00")
# The longest a platform's attestation of a rider may last, days.
ATTESTATION_MAX_DAYS = _int("ATTESTATION_MAX_DAYS", 366)
# How long a platform's sign-in link for a vouched rider stays good, seconds.
VOUCH_LINK_TTL_S = _int("VOUCH_LINK_TTL_S", 15 * 60)
