"""The API's entry points for a person: its root lists the endpoints, its docs work offline."""

import re

from django.contrib.staticfiles import finders
from rest_framework.test import APIClient

from testing import factories


def signed_in_api() -> APIClient:
    client = APIClient()
    client.force_authenticate(factories.user("viewer"))
    return client


def test_the_docs_load_swagger_ui_from_the_sites_own_static_files(db):
    page = signed_in_api().get("/api/v1/docs/").content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert any("swagger-ui-bundle.js" in s for s in sources)
    for source in sources:
        assert source.startswith("/static/"), f"{source} is not served by the site"
        assert finders.find(source.removeprefix("/static/")), f"{source} is missing"


def test_the_api_root_links_every_endpoint_without_a_parameter(db):
    answer = signed_in_api().get("/api/v1/")
    assert answer.status_code == 200
    links = answer.json()
    assert links["api-types"] == "http://testserver/api/v1/types/"
    assert links["api-entities"] == "http://testserver/api/v1/entities/"
    assert links["api-changes"] == "http://testserver/api/v1/changes/"
    assert links["api-docs"] == "http://testserver/api/v1/docs/"
    assert all(link.startswith("http://testserver/api/v1/") for link in links.values())


def test_the_api_root_needs_a_sign_in(db):
    assert APIClient().get("/api/v1/").status_code == 401
