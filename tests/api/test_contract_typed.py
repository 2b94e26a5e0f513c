"""The API is typed at both edges (issue 14, item 1): every ``/v1`` success answer and request body has a
real schema in ``/openapi.json`` (PATCH bodies included), enums are enums, the bearer key is a declared
security scheme, and ``/docs`` and ``/redoc`` work with no network. Before: 0 of 38 documented success
answers had a schema, PATCH bodies were open objects, no security scheme, and /docs came from a CDN."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel

from app.schemas import resources as out
from graph import models

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    from app.main import create_app
    from app.settings import Settings

    document: dict[str, Any] = create_app(Settings(data_dir=Path("unused-never-opened"))).openapi()
    return document


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _is_typed(schema: dict[str, Any], node: dict[str, Any]) -> bool:
    node = _resolve(schema, node)
    if node.get("additionalProperties") is True or node == {} or node == {"type": "object"}:
        return False
    return bool(node.get("properties")) or node.get("type") in ("string", "array") or "anyOf" in node


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, item in schema["paths"].items() for method, op in item.items()
            if method in METHODS and path.startswith("/v1/")]


def _untyped_answers(schema: dict[str, Any], tags: set[str] | None = None) -> list[tuple[str, str, str]]:
    untyped = []
    for path, method, op in _operations(schema):
        if tags is not None and not tags & set(op.get("tags", [])):
            continue
        for status, answer in op["responses"].items():
            if not status.startswith("2") or status == "204":
                continue
            content = answer.get("content") or {}
            assert content, (method, path, status)
            for media_type, body in content.items():
                if media_type == "application/json" and not _is_typed(schema, body.get("schema", {})):
                    untyped.append((method, path, status))
    return untyped


# The CRUD, bulk, audit and operations routes (the analytics, maps and reviews have their own schemas).
RECORD_TAGS = {"accounts", "contacts", "team", "competitors", "opportunities", "relationships", "decision chain",
               "bulk", "audit", "operations", "web"}


def test_every_record_bulk_and_operations_answer_has_a_typed_schema(schema: dict[str, Any]) -> None:
    assert _untyped_answers(schema, RECORD_TAGS) == []
    assert len([op for _, _, op in _operations(schema) if RECORD_TAGS & set(op.get("tags", []))]) >= 35


def test_every_v1_success_answer_has_a_typed_schema(schema: dict[str, Any]) -> None:
    assert _untyped_answers(schema) == []
    assert len(_operations(schema)) >= 45


def test_paths_classification_and_the_cytoscape_document_are_typed_with_enums(schema: dict[str, Any]) -> None:
    """The last three open objects (before: paths, classification and the map's JSON had no schema)."""
    components = schema["components"]["schemas"]
    paths = schema["paths"]
    assert paths["/v1/accounts/{id}/paths"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] \
        == {"$ref": "#/components/schemas/InfluencePaths"}
    assert paths["/v1/accounts/{id}/classification"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"] == {"$ref": "#/components/schemas/AccountClassification"}
    assert paths["/v1/accounts/{id}/map"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] \
        == {"$ref": "#/components/schemas/CytoscapeDocument"}
    hop = components["PathHop"]
    assert set(hop["required"]) == {"from", "to", "type", "weight"}
    assert set(hop["properties"]["type"]["enum"]) == {"INFLUENCES", "REPORTS_TO", "PROMOTED_BY", "ALLY", "COVERS",
                                                      "MIRRORS"}
    assert set(components["InfluencePaths"]["required"]) >= {"paths", "avoided", "message", "partial", "reason"}
    assert set(components["AvoidedPerson"]["properties"]["code"]["enum"]) == {"opposed", "interest", "favors"}
    assert set(components["PartialReason"]["properties"]["code"]["enum"]) == {"max_hops", "max_explored"}
    klass = components["AccountClassification"]
    assert set(klass["properties"]["class"]["enum"]) == {"benchmark", "nail", "danger", "standard"}
    assert set(klass["required"]) == {"class", "label", "qualification", "drivers", "playbook", "closeness",
                                      "danger_points"}
    assert set(components["QualificationCriteria"]["required"]) == {
        "revenue", "margin", "growth", "wallet_potential", "credit_payment", "access_to_goals", "openness"}
    assert "competitor_ahead" in components["Driver"]["properties"]["code"]["enum"]
    assert "nail_assault" in components["Play"]["properties"]["code"]["enum"]
    edge = components["CytoscapeEdgeData"]["properties"]
    assert edge["type"] == {"$ref": "#/components/schemas/EdgeType"}
    node = components["CytoscapeNodeData"]["properties"]
    assert node["kind"] == {"$ref": "#/components/schemas/NodeKind"}
    assert _resolve(schema, node["map_stance"]["anyOf"][0])["enum"]
    max_hops = next(p for p in paths["/v1/accounts/{id}/paths"]["get"]["parameters"] if p["name"] == "max_hops")
    assert max_hops["schema"]["maximum"] == 10 and max_hops["schema"]["default"] == 6


def test_every_request_body_has_a_typed_schema_patch_included(schema: dict[str, Any]) -> None:
    bodies = 0
    for path, method, op in _operations(schema):
        if method not in ("post", "patch", "put") or "requestBody" not in op:
            continue
        bodies += 1
        for media_type, body in op["requestBody"]["content"].items():
            if media_type == "text/csv":
                continue
            assert _is_typed(schema, body["schema"]), (method, path)
            if method == "patch":
                patch = _resolve(schema, body["schema"])
                assert patch["title"].endswith("Patch") and patch["additionalProperties"] is False, path
                assert not patch.get("required"), path  # every field optional: absent means unchanged
    assert bodies >= 15
    assert _resolve(schema, schema["paths"]["/v1/import"]["post"]["requestBody"]["content"]["application/json"]
                    ["schema"])["properties"].keys() >= {"accounts", "contacts", "relationships", "decision_chain"}


@pytest.mark.parametrize(("component", "values"), [
    ("Stance", {"champion", "supporter", "neutral", "skeptic", "opponent", "unknown"}),
    ("BuyingRole", {"decision_maker", "economic_buyer", "technical_evaluator", "business_user", "procurement",
                    "influencer", "coach", "gatekeeper"}),
    ("Level", {"executive", "vp", "director", "manager", "staff"}),
    ("OpportunityStatus", {"open", "won", "lost"}),
    ("InterestKind", {"kickback", "incumbent_loyalty", "job_threat", "influence_loss", "budget_ownership",
                      "personal", "other"}),
    ("TeamRole", {"sales", "presales", "service", "executive", "partner", "other"}),
    ("MapFormat", {"png", "svg", "pdf", "graphml", "gexf", "cytoscape"}),
])
def test_enums_are_enums(schema: dict[str, Any], component: str, values: set[str]) -> None:
    assert set(schema["components"]["schemas"][component]["enum"]) >= values


def test_enums_in_answers(schema: dict[str, Any]) -> None:
    components = schema["components"]["schemas"]
    gap_code = components["Gap"]["properties"]["code"]
    assert set(_resolve(schema, gap_code).get("enum", gap_code.get("enum", []))) >= {"missing_role", "supporter_left"}
    assert set(components["Relationship"]["properties"]["type"]["enum"]) >= {"REPORTS_TO", "HAS_INTEREST"}
    assert "MEMBER_OF" not in components["Relationship"]["properties"]["type"]["enum"]
    stance = components["DecisionChainMember"]["properties"]["stance"]
    assert stance.get("$ref", "").endswith("/Stance")


def test_the_bearer_key_is_a_security_scheme_on_every_v1_operation(schema: dict[str, Any]) -> None:
    assert schema["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": schema["components"]["securitySchemes"]["bearerAuth"]
        ["description"]}
    for path, method, op in _operations(schema):
        assert op.get("security") == [{"bearerAuth": []}], (method, path)
    for path in ("/health", "/ready", "/metrics"):
        assert "security" not in schema["paths"][path]["get"]


def test_errors_are_documented_as_problems(schema: dict[str, Any]) -> None:
    for path, method, op in _operations(schema):
        for status in ("4XX", "503", "507"):
            assert op["responses"][status]["content"]["application/problem+json"]["schema"] == {
                "$ref": "#/components/schemas/Problem"}, (method, path, status)
    assert "HTTPValidationError" not in schema["components"]["schemas"]


@pytest.mark.parametrize(("model", "answer"), [
    (models.AccountIn, out.Account), (models.ContactIn, out.Contact), (models.TeamMemberIn, out.TeamMember),
    (models.CompetitorIn, out.Competitor), (models.OpportunityIn, out.Opportunity),
    (models.RelationshipIn, out.Relationship), (models.ChainMemberIn, out.DecisionChainMember),
])
def test_answers_name_every_field_a_client_can_write(model: type[BaseModel], answer: type[BaseModel]) -> None:
    assert set(model.model_fields) <= set(answer.model_fields)


# ---- PATCH semantics ----------------------------------------------------------------------------------------


def test_patch_absent_is_unchanged_null_clears_an_optional_field(furniture: TestClient) -> None:
    before = furniture.get("/v1/contacts/gzf-cfo").json()
    assert before["title"] and before["department"]
    patched = furniture.patch("/v1/contacts/gzf-cfo", json={"title": None})
    assert patched.status_code == 200, patched.text
    assert "title" not in patched.json() and patched.json()["department"] == before["department"]


def test_patch_merges_nested_objects_field_by_field(furniture: TestClient) -> None:
    """A PATCH is a JSON merge patch all the way down: one metric, one closeness measure or one criterion
    changes alone, and null clears just that one."""
    account = furniture.patch("/v1/accounts/gzf", json={"metrics": {"loyalty": 0.1, "satisfaction": None}})
    assert account.status_code == 200, account.text
    metrics = account.json()["metrics"]
    assert metrics["loyalty"] == 0.1 and metrics["payment_days"] == 90 and metrics["annual_revenue"] == 4200000
    assert metrics.get("satisfaction") is None
    contact = furniture.patch("/v1/contacts/gzf-gm", json={"closeness": {"relationship": 0.9}})
    assert contact.json()["closeness"] == {"relationship": 0.9, "solution": 0.5, "price": 0.4}
    # criteria: shares still add up to at most 1 once merged, else a 422 naming them (nothing written)
    too_much = furniture.patch("/v1/opportunities/gzf-upgrade", json={"criteria": {"technical": 0.9}})
    assert too_much.status_code == 422 and "criteria" in too_much.text
    shifted = furniture.patch("/v1/opportunities/gzf-upgrade", json={"criteria": {"technical": 0.6, "price": 0.2}})
    assert shifted.json()["criteria"] == {"technical": 0.6, "price": 0.2, "service": 0.2}
    path = "/v1/opportunities/gzf-upgrade/decision-chain/members/gzf-gm"
    furniture.patch(path, json={"closeness": {"price": 0.7}}).raise_for_status()
    member = furniture.patch(path, json={"closeness": {"solution": 0.6}})
    assert member.status_code == 200, member.text
    assert member.json()["closeness"] == {"solution": 0.6, "price": 0.7}


def test_a_patch_implies_what_a_csv_row_implies(furniture: TestClient) -> None:
    """What a change implies for the fields it leaves out is the same for a PATCH and a CSV row
    (graph.store.laid_over): the same stage sent again (a form sent whole) keeps a status set by hand, a
    new stage infers it again; a person marked back loses the leaving date."""
    lost = furniture.patch("/v1/opportunities/gzf-upgrade", json={"status": "lost"}).json()
    again = furniture.patch("/v1/opportunities/gzf-upgrade", json={"stage": lost["stage"], "name": lost["name"]})
    assert again.status_code == 200 and again.json()["status"] == "lost"
    assert furniture.patch("/v1/opportunities/gzf-upgrade", json={"stage": "Renewal"}).json()["status"] == "open"
    furniture.patch("/v1/contacts/gzf-qa", json={"status": "left", "left_at": "2026-10-01"}).raise_for_status()
    back = furniture.patch("/v1/contacts/gzf-qa", json={"status": "active"})
    assert back.status_code == 200, back.text
    assert back.json()["status"] == "active" and "left_at" not in back.json()
    assert "left_at" not in furniture.get("/v1/contacts/gzf-qa").json()


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/v1/contacts/gzf-cfo", {"name": None}, "name"),
    ("/v1/contacts/gzf-cfo", {"knows_us": None}, "knows_us"),
    ("/v1/contacts/gzf-cfo", {"level": "boss"}, "level"),
    ("/v1/contacts/gzf-cfo", {"created_at": "2020-01-01"}, "created_at"),
    ("/v1/opportunities/gzf-upgrade", {"status": "maybe"}, "status"),
    ("/v1/opportunities/gzf-upgrade/decision-chain/members/gzf-gm", {"stance": "enemy"}, "stance"),
    ("/v1/relationships/INFLUENCES:gzf-design:gzf-gm", {"strength": 2}, "strength"),
    # an interest's kind is part of its id (a CRM import naming the new kind would add a second interest)
    ("/v1/relationships/HAS_INTEREST:gzf-proc:incumbent:kickback", {"kind": "personal"}, "kind"),
    # numbers are not true or false, and dates are not numbers (seconds since 1970 to pydantic's lax mode)
    ("/v1/relationships/INFLUENCES:gzf-design:gzf-gm", {"strength": True}, "strength"),
    ("/v1/contacts/gzf-cfo", {"last_contact_at": 0}, "last_contact_at"),
    ("/v1/accounts/gzf", {"metrics": {"payment_days": True}}, "payment_days"),
    ("/v1/opportunities/gzf-upgrade/decision-chain/members/gzf-gm", {"influence": True}, "influence"),
    ("/v1/opportunities/gzf-upgrade", {"close_date": 1767225600}, "close_date"),
    ("/v1/opportunities/gzf-upgrade", {"competitor_ids": ["incumbent", "incumbent"]}, "competitor_ids"),
])
def test_patch_bodies_are_checked_field_by_field(furniture: TestClient, path: str, body: dict[str, Any],
                                                 field: str) -> None:
    response = furniture.patch(path, json=body)
    assert response.status_code == 422, response.text
    assert any(field in e["loc"] for e in response.json()["errors"])


def test_answers_carry_their_etag(furniture: TestClient) -> None:
    response = furniture.get("/v1/contacts/gzf-gm")
    assert response.headers["ETag"] == f'"{response.json()["version"]}"'


# ---- /docs and /redoc with no network -------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_work_offline(client: TestClient, page: str) -> None:
    html = client.get(page)
    assert html.status_code == 200
    assert "http://" not in html.text and "https://" not in html.text and "<script>" not in html.text
    urls = re.findall(r'(?:src|href)="([^"]+)"', html.text)
    assert urls, html.text
    for url in urls:
        asset = client.get("/" + url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 1000 or url.endswith("swagger-init.js"), url
        assert "cdn." not in asset.text[:100_000] or url.endswith(".js")  # the bundles mention CDNs in comments
    if page == "/docs":
        init = client.get("/docs-assets/swagger-init.js").text
        assert 'url: "openapi.json"' in init
    assert client.get("/openapi.json").status_code == 200


# ---- the answers are what the schema says, under the names they always had -------------------------------------


def test_paths_and_classification_answers_keep_their_field_names(furniture: TestClient) -> None:
    default = furniture.get("/v1/accounts/gzf/paths", params={"from": "us-se", "to": "gzf-gm", "k": 3}).json()
    assert default["max_hops"] == 6 and isinstance(default["partial"], bool)
    if default["partial"]:
        assert set(default["reason"]) == {"code", "text"}
    paths = furniture.get("/v1/accounts/gzf/paths", params={"from": "us-se", "to": "gzf-gm", "k": 3, "max_hops": 10})
    assert paths.status_code == 200, paths.text
    body = paths.json()
    assert set(body) == {"paths", "avoided", "message", "max_hops", "partial", "reason"}
    assert body["paths"] and body["partial"] is False and body["reason"] is None and body["max_hops"] == 10
    for path in body["paths"]:
        assert set(path) == {"strength", "hops"}
        assert all(set(hop) == {"from", "to", "type", "weight"} for hop in path["hops"])
        assert path["hops"][0]["from"] == "us-se" and path["hops"][-1]["to"] == "gzf-gm"
    klass = furniture.get("/v1/accounts/gzf/classification", headers={"Accept-Language": "zh-CN"})
    assert klass.status_code == 200, klass.text
    body = klass.json()
    assert list(body) == ["class", "label", "qualification", "drivers", "playbook", "closeness", "danger_points"]
    assert body["class"] in ("benchmark", "nail", "danger", "standard")
    assert set(body["qualification"]) == {"score", "qualified", "criteria"}
    assert set(body["closeness"]) == {"relationship", "solution", "price", "composite"}
    assert all(set(d) == {"code", "text"} for d in body["drivers"] + body["playbook"])


@pytest.mark.parametrize("params", [{}, {"opportunity_id": "gzf-upgrade"}, {"scope": "department",
                                                                             "department": "operations"}])
def test_the_cytoscape_document_is_what_its_schema_says(furniture: TestClient, params: dict[str, str]) -> None:
    from app.schemas.maps import CytoscapeDocument
    from rendering.files import STYLESHEET

    response = furniture.get("/v1/accounts/gzf/map", params={"format": "cytoscape", **params})
    assert response.status_code == 200, response.text
    body = response.json()
    document = CytoscapeDocument.model_validate(body)  # every part named (extra fields are refused)
    assert document.elements.nodes and document.elements.edges
    assert body["style"] == STYLESHEET  # the stylesheet is kept whole
    assert document.layout.name == "preset"
    assert {n.data.kind for n in document.elements.nodes} >= {"account", "contact", "team_member"}
