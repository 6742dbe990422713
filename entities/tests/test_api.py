import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from entities.models import Change, Entity
from entities.reading import entity_contents
from entities.validation import MAX_VALUE_BYTES
from testing import factories


def client_for(role: str) -> APIClient:
    client = APIClient()
    token = Token.objects.create(user=factories.user(role))
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def editor(standalone):
    return client_for("editor")


def test_anonymous_requests_are_refused(standalone):
    assert APIClient().get("/api/v1/entities/").status_code == 401


def test_entity_with_values_and_tables(editor, standalone):
    factories.entity(
        standalone,
        "discovery",
        domain="cs.example.edu",
        ip_address="192.0.2.10",
        cname=["mail", "www"],
        iscsi_password="s3cret",
        tables={"CNAMES": [{"cn_name": "mail", "cn_domain": "cs.example.edu"}]},
    )
    data = editor.get("/api/v1/entities/standalone/discovery/").json()
    assert data["active"] is True
    assert data["values"]["cname"] == ["mail", "www"]
    assert data["values"]["iscsi_password"] == ["********"]
    assert data["tables"]["CNAMES"] == [{"cn_name": "mail", "cn_domain": "cs.example.edu"}]
    admin = client_for("admin")
    data = admin.get("/api/v1/entities/standalone/discovery/").json()
    assert data["values"]["iscsi_password"] == ["s3cret"]


def test_create_and_patch_validate_like_the_service_layer(editor, standalone):
    response = editor.post(
        "/api/v1/entities/",
        {"type": "standalone", "name": "gasket", "values": {"ip_address": ["300.x"]}},
        format="json",
    )
    assert response.status_code == 400
    assert (
        "standalone/gasket: variable 'ip_address' value '300.x'" in response.json()["ip_address"][0]
    )
    assert not Entity.objects.filter(name="gasket").exists()
    response = editor.post(
        "/api/v1/entities/",
        {"type": "standalone", "name": "gasket", "values": {"domain": ["cs.example.edu"]}},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["missing"] == ["ip_address"]
    response = editor.patch(
        "/api/v1/entities/standalone/gasket/",
        {"values": {"ip_address": ["192.0.2.7"]}},
        format="json",
    )
    assert response.json()["active"] is True


def test_a_value_over_the_size_cap_is_refused_without_being_quoted(editor, standalone):
    discovery = factories.entity(standalone, "discovery", room="EN1018")
    url = "/api/v1/entities/standalone/discovery/"
    response = editor.patch(url, {"values": {"room": ["Q" * (MAX_VALUE_BYTES + 1)]}}, format="json")
    assert response.status_code == 400
    assert response.json()["room"] == [
        "standalone/discovery: variable 'room' value of 1,048,577 bytes is longer than the "
        "1,048,576 bytes a value may hold"
    ]
    assert "QQQQ" not in response.content.decode()
    at_the_cap = "é" * (MAX_VALUE_BYTES // 2)
    assert editor.patch(url, {"values": {"room": [at_the_cap]}}, format="json").status_code == 200
    assert entity_contents(discovery).values["room"] == [at_the_cap]


def test_a_request_body_over_the_limit_is_refused_before_it_is_read(editor, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = {"values": {"room": ["Q" * 1000]}}
    response = editor.patch("/api/v1/entities/standalone/discovery/", body, format="json")
    assert response.status_code == 413
    assert response.json()["detail"].startswith("request body of 1,0")
    response = editor.generic("PATCH", "/api/v1/entities/", "{}", CONTENT_LENGTH="1e9")
    assert response.status_code == 400
    assert response.json()["detail"] == "Content-Length '1e9' is not a number"


def test_viewer_reads_but_cannot_write(standalone):
    viewer = client_for("viewer")
    factories.entity(standalone, "discovery")
    assert viewer.get("/api/v1/entities/standalone/discovery/").status_code == 200
    response = viewer.patch(
        "/api/v1/entities/standalone/discovery/", {"values": {"room": ["X"]}}, format="json"
    )
    assert response.status_code == 403


def test_editor_cannot_change_variable_definitions_but_admin_can(editor, standalone):
    body = {"name": "rack", "regex": "[A-Z][0-9]+"}
    assert (
        editor.post("/api/v1/types/standalone/variables/", body, format="json").status_code == 403
    )
    admin = client_for("admin")
    response = admin.post("/api/v1/types/standalone/variables/", body, format="json")
    assert response.status_code == 201
    assert response.json()["regex"] == "[A-Z][0-9]+"
    response = admin.post("/api/v1/types/standalone/variables/", body, format="json")
    assert response.status_code == 400


def test_change_feed_returns_changes_after_since_oldest_first(editor, standalone):
    discovery = factories.entity(standalone, "discovery", room="EN1018")
    since = Change.objects.order_by("-seq").first().seq
    editor.patch(
        "/api/v1/entities/standalone/discovery/", {"values": {"room": ["EN2036"]}}, format="json"
    )
    editor.delete("/api/v1/entities/standalone/discovery/")
    feed = editor.get(f"/api/v1/changes/?since={since}").json()
    assert feed["latest"] == since + 3 and feed["more"] is False
    changes = [(c["seq"], c["action"], c["old_value"], c["new_value"]) for c in feed["changes"]]
    assert changes == [
        (since + 1, "set", "EN1018", "EN2036"),
        (since + 2, "delete", "EN2036", None),  # a deletion records the values it takes
        (since + 3, "delete_entity", None, None),
    ]
    assert feed["changes"][0]["user"].startswith("editor")
    page = editor.get("/api/v1/changes/?since=0&limit=2").json()
    assert page["more"] is True and [c["seq"] for c in page["changes"]] == [1, 2]
    assert not Entity.objects.filter(pk=discovery.pk).exists()


def test_change_feed_masks_secret_values(editor, standalone):
    factories.entity(standalone, "discovery", iscsi_password="s3cret")
    values = [
        c["new_value"] for c in editor.get("/api/v1/changes/?since=0&limit=10000").json()["changes"]
    ]
    assert "s3cret" not in values and "********" in values


def test_bad_since_is_refused(editor):
    assert editor.get("/api/v1/changes/?since=abc").status_code == 400


def test_openapi_schema_is_published(editor):
    response = editor.get("/api/v1/schema/")
    assert response.status_code == 200
    assert b"/api/v1/changes/" in response.content


def test_created_entity_reports_its_activity(editor, standalone):
    values = {"domain": ["cs.example.edu"], "ip_address": ["192.0.2.8"]}
    response = editor.post(
        "/api/v1/entities/",
        {"type": "standalone", "name": "bumper", "values": values},
        format="json",
    )
    assert response.status_code == 201 and response.json()["active"] is True


def test_a_type_lists_its_entities_in_pages(editor, standalone):
    for name in ("b", "a", "c"):
        factories.entity(standalone, name, domain="cs.example.edu")
    factories.entity(factories.entity_type("printer"), "lp1")
    data = editor.get("/api/v1/entities/standalone/?limit=2").json()
    assert data["count"] == 3 and data["next"]
    assert [e["name"] for e in data["results"]] == ["a", "b"]
    rest = editor.get(data["next"]).json()
    assert [e["name"] for e in rest["results"]] == ["c"]
    assert editor.get("/api/v1/entities/standalone/?search=b").json()["count"] == 1
    assert editor.get("/api/v1/entities/nosuchtype/").status_code == 404
