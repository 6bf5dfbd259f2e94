"""Schemathesis against the app's own OpenAPI document (``/api/v1/openapi.json``), on SQLite
with the three Beijing extracts imported: every operation, valid and invalid requests,
with no token and with the admin, editor and platform tokens. Every answer must be no
server error, of a documented status and content type, and match its documented schema.

Bounded and deterministic: ``FUZZ_EXAMPLES`` requests per operation and generation mode,
drawn with ``derandomize`` (the same requests on every run). Each run prints its request
count, and its failures, one line each.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.accounts import make_accounts

FUZZ_EXAMPLES = 4
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
AUTH = ["none", "admin", "editor", "platform"]


@dataclass
class Tally:
    """Requests sent, answers per status class, and the failures found."""

    requests: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)


def _fuzz(operation: schemathesis.APIOperation, mode: GenerationMode,
          headers: dict[str, str], tally: Tally) -> None:
    @settings(max_examples=FUZZ_EXAMPLES, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(operation.as_strategy(generation_mode=mode))
    def run(case: Case) -> None:
        response = case.call(headers=headers)
        tally.requests += 1
        tally.statuses[f"{response.status_code // 100}xx"] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (Failure, FailureGroup) as found:
            for failure in found.exceptions if isinstance(found, FailureGroup) else [found]:
                message = " ".join(failure.message.split())[:300]
                tally.failures.append(f"{case.method} {case.formatted_path} ({mode.value}) → "
                                      f"{response.status_code}: {failure.title}: {message}")

    try:
        run()
    except Unsatisfiable:
        if mode is GenerationMode.POSITIVE:
            raise  # a negative request cannot be made when nothing can be invalid


@pytest.mark.parametrize("who", AUTH)
def test_no_server_error_and_no_schema_violation(
        writable_imported_app: Flask, routing_cache: Path, backend: str, who: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    if backend != "sqlite":
        pytest.skip("the fuzz run is bounded to SQLite (issue 17)")
    app = writable_imported_app
    app.config["ROUTING_CACHE_DIR"] = str(routing_cache)
    headers = {} if who == "none" else make_accounts(app).headers(who)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    tally = Tally()
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz(operation, mode, headers, tally)
    with capsys.disabled():
        print(f"\nschemathesis ({who}): {operations} operations, {tally.requests} requests, "
              f"{dict(sorted(tally.statuses.items()))}, {len(tally.failures)} failures")
        for line in tally.failures:
            print("  " + line)
    assert operations >= 50 and tally.requests >= operations * FUZZ_EXAMPLES
    assert tally.statuses["5xx"] == 0 and not tally.failures
