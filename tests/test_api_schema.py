"""schemathesis against the app (WSGI) with an HR token: no server error and no
response that breaks the OpenAPI document, for valid and invalid input alike."""
from __future__ import annotations

from datetime import date

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from onboarding.extensions import db  # noqa: E402
from onboarding.people import tokens  # noqa: E402
from onboarding.plans import checkins
from onboarding.web import api_schema

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
EXAMPLES_PER_OPERATION = 20


def test_document_is_valid_openapi_3_1(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    assert document == api_schema.document(app)
    assert all(op["operationId"] for item in document["paths"].values() for op in item.values())


def test_schemathesis_finds_no_server_error_or_schema_breach(cast, app):
    _, raw = tokens.create(cast["hr"], "schemathesis")
    db.session.commit()
    headers = {"Authorization": f"Bearer {raw}"}
    plan = cast["plan_a"]
    # A real check-in, so the check-in list has something to validate.
    checkins.log_checkin(plan, cast["sponsor_a"], checkins.CheckInInput(
        held_on=date(2026, 9, 21), rag="amber", summary="Settling in", private_note="Watch workload",
        next_checkin_on=date(2026, 10, 5)), today=date(2026, 9, 21))
    db.session.commit()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/api/v1/plans", "/api/v1/plans/{plan_id}/checkins"}

    for operation in operations:
        strategies = [operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)]
        if "{plan_id}" in operation.path:
            known = {"plan_id": plan.id}
            if "{key}" in operation.path:
                known["key"] = plan.milestones[3].key
            strategies.append(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=known))
        if "{slug}" in operation.path:
            strategies.append(operation.as_strategy(GenerationMode.POSITIVE, path_parameters={"slug": "compressed-13-weeks"}))

        @settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=st.one_of(strategies))
        def run(case):
            negative = case.meta is not None and getattr(case.meta, "generation", None) is not None \
                and case.meta.generation.mode == GenerationMode.NEGATIVE
            case.call_and_validate(headers=headers, checks=CHECKS + ([negative_data_rejection] if negative else []))

        run()
