"""Schemathesis against the app's own OpenAPI document (``/api/v1/openapi.json``), on SQLite
with the three Beijing extracts imported: every operation, its documented examples and
generated valid and invalid requests, each sent with no token and with the admin, editor
and platform tokens. Every answer must be no server error, of a documented status and
content type, match its documented schema, and be strict JSON when it says JSON.

Bounded and deterministic: ``FUZZ_EXAMPLES`` generated requests per operation and mode,
drawn with ``derandomize`` (the same requests on every run). The run prints its request
count, and its failures, one line each.
"""

from __future__ import annotations

import contextlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from hypothesis.strategies import SearchStrategy
from schemathesis import Case, CheckContext, GenerationMode, Response
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.accounts import make_accounts

FUZZ_EXAMPLES = 4


def _not_json(constant: str) -> None:
    raise ValueError(f"{constant} is not JSON")


def strict_json(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """A JSON answer (``application/json`` or ``+json``) is JSON by RFC 8259: no ``NaN``,
    ``Infinity`` or ``-Infinity``, which Python's parser (and the schema check) accept."""
    media = (response.headers.get("content-type") or [""])[0].split(";")[0].strip()
    if media == "application/json" or (media.startswith("application/") and media.endswith("+json")):
        try:
            json.loads(response.content, parse_constant=_not_json)
        except ValueError as error:
            raise Failure(operation=case.operation.label, title="Not JSON (RFC 8259)",
                          message=str(error)) from None
    return None


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, strict_json]
AUTH = ["none", "admin", "editor", "platform"]


@dataclass
class Tally:
    """Requests sent per auth variant, answers per status class, and the failures found."""

    requests: Counter[str] = field(default_factory=Counter)  # by auth variant
    statuses: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)


def _send(case: Case, label: str, auth: dict[str, dict[str, str]], tally: Tally) -> None:
    """Send ``case`` once per auth variant and record what the checks find."""
    for who, headers in auth.items():
        response = case.call(headers=headers)
        tally.requests[who] += 1
        tally.statuses[f"{response.status_code // 100}xx"] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (Failure, FailureGroup) as found:
            for failure in found.exceptions if isinstance(found, FailureGroup) else [found]:
                message = " ".join(failure.message.split())[:300]
                tally.failures.append(f"{case.method} {case.formatted_path} ({label}, {who}) "
                                      f"→ {response.status_code}: {failure.title}: {message}")


def _run(strategy: SearchStrategy[Case], examples: int, label: str,
         auth: dict[str, dict[str, str]], tally: Tally) -> None:
    @settings(max_examples=examples, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(strategy)
    def run(case: Case) -> None:
        _send(case, label, auth, tally)

    run()


def _fuzz(operation: schemathesis.APIOperation, auth: dict[str, dict[str, str]], tally: Tally) -> None:
    """The documented examples of ``operation`` (real places, times), then generated valid
    and invalid requests."""
    for strategy in operation.get_strategies_from_examples():
        _run(strategy, 1, "example", auth, tally)
    _run(operation.as_strategy(generation_mode=GenerationMode.POSITIVE), FUZZ_EXAMPLES,
         "positive", auth, tally)
    with contextlib.suppress(Unsatisfiable):  # nothing to make invalid: no negative request
        _run(operation.as_strategy(generation_mode=GenerationMode.NEGATIVE), FUZZ_EXAMPLES,
             "negative", auth, tally)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # bounded: SQLite only
def test_no_server_error_and_no_schema_violation(
        writable_imported_app: Flask, routing_cache: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    app = writable_imported_app
    app.config["ROUTING_CACHE_DIR"] = str(routing_cache)
    tokens = make_accounts(app)
    auth = {who: {} if who == "none" else tokens.headers(who) for who in AUTH}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    tally = Tally()
    operations = 0
    for result in schema.get_all_operations():
        operations += 1
        _fuzz(result.ok(), auth, tally)
    with capsys.disabled():
        print(f"\nschemathesis: {operations} operations, {tally.requests.total()} requests "
              f"({', '.join(f'{who} {n}' for who, n in tally.requests.items())}), "
              f"{dict(sorted(tally.statuses.items()))}, {len(tally.failures)} failures")
        for line in tally.failures:
            print("  " + line)
    assert operations >= 50 and min(tally.requests.values()) >= operations * FUZZ_EXAMPLES
    assert tally.statuses["5xx"] == 0 and not tally.failures


# Faults the fuzz run found, kept as explicit requests (each was a 500).
FOUND = [
    ("post", "/api/v1/planner/siting", {"kind": "charger", "level": [[{}], None]}, "level"),
]


@pytest.mark.parametrize(("method", "path", "body", "named"), FOUND)
def test_faults_found_by_fuzzing_are_refused(imported_app: Flask, method: str, path: str,
                                             body: dict, named: str) -> None:
    answer = getattr(imported_app.test_client(), method)(path, json=body)
    assert answer.status_code == 400, answer.get_data(as_text=True)
    assert answer.get_json()["error"] == "invalid_input"
    assert named in answer.get_json()["message_en"]
