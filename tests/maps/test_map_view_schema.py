"""`/openapi.json` documents the map view (`GET /v1/accounts/{id}/map-view`) as what it answers: a `MapView`
object, not a string; the real answer (now and `as_of`) checks out against the documented schema."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

TYPES: dict[str, tuple[type, ...]] = {"object": (dict,), "array": (list,), "string": (str,), "boolean": (bool,),
                                      "integer": (int,), "number": (int, float), "null": (type(None),)}


def _problems(spec: dict[str, Any], node: dict[str, Any], value: Any, at: str) -> list[str]:
    """Where ``value`` does not fit the OpenAPI schema ``node`` (types, required and known properties,
    enums, items, anyOf, references)."""
    if "$ref" in node:
        return _problems(spec, spec["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]], value, at)
    if "anyOf" in node:
        found = [_problems(spec, option, value, at) for option in node["anyOf"]]
        return [] if any(not f for f in found) else min(found, key=len)
    kind = node.get("type")
    if kind is not None and (not isinstance(value, TYPES[kind]) or (kind in ("integer", "number")
                                                                     and isinstance(value, bool))):
        return [f"{at}: {value!r} is not {kind}"]
    if "enum" in node and value not in node["enum"]:
        return [f"{at}: {value!r} not in {node['enum']}"]
    out: list[str] = []
    if kind == "object":
        properties = node.get("properties", {})
        out += [f"{at}.{k}: missing" for k in node.get("required", []) if k not in value]
        for key, item in value.items():
            if key in properties:
                out += _problems(spec, properties[key], item, f"{at}.{key}")
            elif isinstance(node.get("additionalProperties"), dict):
                out += _problems(spec, node["additionalProperties"], item, f"{at}.{key}")
            elif node.get("additionalProperties") is False or properties:
                out.append(f"{at}.{key}: not documented")
    if kind == "array":
        for i, item in enumerate(value):
            out += _problems(spec, node.get("items", {}), item, f"{at}[{i}]")
    return out


def test_the_map_view_is_documented_as_the_map_view_it_answers(furniture: TestClient) -> None:
    spec = furniture.get("/openapi.json").json()
    documented = spec["paths"]["/v1/accounts/{id}/map-view"]["get"]["responses"]["200"]["content"]
    schema = documented["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/MapView"}
    for params in ({}, {"opportunity_id": "gzf-upgrade"}, {"as_of": "2099-01-01"}):
        answer = furniture.get("/v1/accounts/gzf/map-view", params=params)
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"].startswith("application/json")
        body = answer.json()
        assert body["people"], body
        assert _problems(spec, schema, body, "answer") == []
    # The checker catches an answer that does not fit.
    assert _problems(spec, schema, {**body, "people": "nobody"}, "answer")
