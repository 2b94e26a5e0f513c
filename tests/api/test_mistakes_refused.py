"""Client mistakes that were taken silently, found by a hostile reviewer, on both backends: each is now a
422 naming what is wrong, and nothing is stored."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

CSV = {"Content-Type": "text/csv"}


def _contacts(client: TestClient, account_id: str) -> list[dict[str, Any]]:
    response = client.get("/v1/contacts", params={"account_id": account_id})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def _account(client: TestClient) -> None:
    assert client.post("/v1/accounts", json={"id": "imA", "name": "A"}).status_code == 201


def test_an_import_without_ids_is_refused_not_added_again(client: TestClient) -> None:
    _account(client)
    response = client.post("/v1/import", json={"contacts": [{"account_id": "imA", "name": "NoId"}],
                                               "reviews": [{"account_id": "imA", "title": "Q4"}]})
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert [e["loc"] for e in errors] == [["body", "contacts", 0, "id"], ["body", "reviews", 0, "id"]]
    assert "needs an id" in errors[0]["msg"]
    assert _contacts(client, "imA") == []
    # A CSV without any id column says so once, naming the headers it takes.
    response = client.post("/v1/import/csv", params={"kind": "contacts"}, headers=CSV,
                           content=b"Name,AccountId\nnoid,imA\n")
    assert response.status_code == 422, response.text
    (error,) = response.json()["errors"]
    assert error["loc"] == ["body", 1] and "no id column (Id, 编号, 联系人id)" in error["msg"]
    # A row whose id cell is blank is named by its row and column.
    response = client.post("/v1/import/csv", params={"kind": "contacts"}, headers=CSV,
                           content=b"Id,Name,AccountId\nc-1,One,imA\n,Two,imA\n")
    assert response.status_code == 422, response.text
    assert [e["loc"] for e in response.json()["errors"]] == [["body", 3, "Id"]]
    assert _contacts(client, "imA") == []
    # Relationships and decision-chain rows are keyed by their ends: no id needed.
    rows = "Id,Name,AccountId\nc-1,One,imA\nc-2,Two,imA\n"
    assert client.post("/v1/import/csv", params={"kind": "contacts"}, headers=CSV,
                       content=rows.encode()).status_code == 200
    lines = "Type,Source,Target,Strength\nINFLUENCES,c-1,c-2,0.5\n"
    for _ in range(2):
        response = client.post("/v1/import/csv", params={"kind": "relationships"}, headers=CSV,
                               content=lines.encode())
        assert response.status_code == 200, response.text
    assert response.json()["counts"]["relationships"]["unchanged"] == 1


def test_a_csv_row_with_more_cells_than_the_header_is_refused(client: TestClient) -> None:
    _account(client)
    response = client.post("/v1/import/csv", params={"kind": "contacts"}, headers=CSV,
                           content=b"Id,AccountId,Name,Title\nrag-1,imA,Ann,CFO\nrag-3,imA,Smith, John,CTO\n"
                                   b"rag-4,imA,Bo\n")
    assert response.status_code == 422, response.text
    (error,) = response.json()["errors"]
    assert error["loc"] == ["body", 3] and "5 cells, the header 4" in error["msg"] and '"Smith, John"' in error["msg"]
    assert _contacts(client, "imA") == []


def test_two_csv_columns_for_one_field_are_refused(client: TestClient) -> None:
    _account(client)
    for header, second in (("Id,Name,姓名,AccountId", "姓名"), ("Id,联系人ID,Name,AccountId", "联系人ID")):
        response = client.post("/v1/import/csv", params={"kind": "contacts"}, headers=CSV,
                               content=f"{header}\ndup-A,dup-B,x,imA\n".encode())
        assert response.status_code == 422, response.text
        (error,) = response.json()["errors"]
        assert error["loc"] == ["body", 1, second] and "keep one" in error["msg"], error
    assert _contacts(client, "imA") == []


def test_an_unknown_or_repeated_query_parameter_is_refused(furniture: TestClient) -> None:
    # A mistyped dry run would import for real.
    response = furniture.post("/v1/import", params={"dryrun": "true"},
                              json={"accounts": [{"id": "typo", "name": "T"}]})
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [{"loc": ["query", "dryrun"],
                                          "msg": "unknown query parameter; it takes dry_run"}]
    assert furniture.get("/v1/accounts/typo").status_code == 404
    # A mistyped filter would list everyone.
    response = furniture.get("/v1/contacts", params={"acount_id": "gzf"})
    assert response.status_code == 422 and response.json()["errors"][0]["loc"] == ["query", "acount_id"]
    response = furniture.get("/v1/contacts?account_id=gzf&account_id=imA")
    assert response.status_code == 422 and "more than once" in response.json()["errors"][0]["msg"]
    # What a route takes still works, dependencies' parameters too (paging).
    assert furniture.get("/v1/contacts", params={"account_id": "gzf", "limit": 2}).status_code == 200
    assert furniture.get("/v1/opportunities/gzf-upgrade/next-best-contacts",
                         params={"k": 2, "plan": "true"}).status_code == 200
    # The web app's pages are not the API: a query there is the browser's business.
    assert furniture.get("/", params={"utm_source": "mail"}).status_code == 200


def test_head_is_answered_where_get_is(furniture: TestClient) -> None:
    got = furniture.get("/v1/contacts/gzf-gm")
    head = furniture.head("/v1/contacts/gzf-gm")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == got.headers["etag"]
    assert head.headers["content-length"] == got.headers["content-length"]
    assert furniture.head("/health").status_code == 200
    assert furniture.head("/v1/accounts/gzf/map").headers["content-type"] == "image/png"
    refused = furniture.head("/v1/import")
    assert refused.status_code == 405 and refused.headers["allow"] == "POST"
