"""Schemathesis against the app's own OpenAPI document, in process (ASGI), with an admin key: no 5xx, and
every answer as documented — its body against its schema, its status code among the documented ones, its
documented headers (the ETag of a record) present, its content type the documented one. Bounded: a few
dozen examples per operation. (The schema types every record, bulk and operations answer, so the checks
mean something: before issue 14, 0 of 38 success answers had a schema.)

Marked ``slow`` and run in CI by default (``.ci/run`` runs ``python -m pytest`` with no marker filter);
``-m "not slow"`` leaves it out locally, ``GUANXI_FUZZ_EXAMPLES=200`` fuzzes harder."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import (
    CoveragePhaseConfig,
    GenerationConfig,
    PhasesConfig,
    ProjectConfig,
    ProjectsConfig,
    SchemathesisConfig,
    StatefulPhaseConfig,
)
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.main import create_app
from app.settings import Settings
from graph.models import Bundle
from graph.sqlite.store import SqliteBackend
from graph.store import Store
from tests.hardening.conftest import ADMIN, KEYS_ENV, auth, bundle

pytestmark = pytest.mark.slow
MAX_EXAMPLES = int(os.environ.get("GUANXI_FUZZ_EXAMPLES", "20"))  # per operation; raise it locally


@pytest.fixture(scope="module")
def fuzzed_app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The real app on a real store holding the furniture maker's map (so some ids exist)."""
    data_dir: Path = tmp_path_factory.mktemp("fuzz")
    store = Store(SqliteBackend(data_dir))
    store.backend.migrate()
    store.import_bundle(Bundle.model_validate(bundle("furniture")), actor="setup")
    return create_app(Settings(data_dir=data_dir, api_keys=KEYS_ENV), store=store)


@pytest.fixture(scope="module")
def api_schema(fuzzed_app: Any) -> Any:
    # The fuzzing phase only (random valid and invalid data, MAX_EXAMPLES per operation) and the schema's
    # own examples; the coverage phase's exhaustive boundary cases take minutes on the bundle schema.
    config = SchemathesisConfig(projects=ProjectsConfig(default=ProjectConfig(
        phases=PhasesConfig(coverage=CoveragePhaseConfig(enabled=False),
                            stateful=StatefulPhaseConfig(enabled=False)),
        generation=GenerationConfig(max_examples=MAX_EXAMPLES))))
    return schemathesis.openapi.from_asgi("/openapi.json", fuzzed_app, config=config)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
          phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
def test_no_server_error_and_responses_match_the_schema(case: Any) -> None:
    case.call_and_validate(headers=auth(ADMIN),
                           checks=[not_a_server_error, response_schema_conformance, status_code_conformance,
                                   response_headers_conformance, content_type_conformance])
