"""The webtool's pages make the same number of queries whatever the amount of data.

Each page is counted on a small and on a larger campus; the counts must be equal and stay
within the page's budget. Raise a budget only for a new feature, never for a loop."""

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from entities import services
from entities.models import Entity
from testing import factories

# Page -> most queries it may make (session, user and permissions included).
BUDGETS = {
    "/": 7,
    "/entity/standalone/ws0/": 8,
    "/entity/standalone/ws0/modify/": 11,
    "/entity/standalone/ws0/history/": 8,
    # Search results: the matches in one query, the page's shown values in another.
    "/search/standalone/?search=1&c-domain=cs.example.edu&c-room=EN10*&show=server&show=room": 12,
    "/search/standalone/?search=1&mode=or&c-room=EN1018&c-room=EN2036&show=cname": 12,
    "/search/standalone/table/CNAMES/?search=1&c-cn_name=www&c-cn_name=mail": 10,
    "/create/standalone/?template=ws0": 13,
    "/changes/": 7,
}


def build_campus(standalone, size: int) -> None:
    for i in range(size):
        factories.entity(
            standalone,
            f"ws{i}",
            domain="cs.example.edu",
            ip_address=f"192.0.2.{i % 250 + 1}",
            server="odie",
            room="EN1018" if i % 2 else "EN2036",
            # Each host its own aliases: two hosts cannot hold one name (workers.clashes).
            cname=[f"mail{i}", f"www{i}", f"alias{i}"],
            tables={"CNAMES": [{"cn_name": "www", "cn_domain": f"ws{i}.example.org"}] * 3},
        )
    services.do_batch_edit(Entity.objects.filter(entity_type=standalone), {"server": ["nermal"]})


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def test_page_queries_do_not_grow_with_the_data(standalone, admin, django_assert_max_num_queries):
    build_campus(standalone, 3)
    small = {url: count_queries(admin, url) for url in BUDGETS}
    build_campus_more = [f"ws{i}" for i in range(3, 40)]
    for name in build_campus_more:
        cname = [f"a-{name}", f"b-{name}"]
        factories.entity(standalone, name, domain="cs.example.edu", room="EN1018", cname=cname)
    large = {url: count_queries(admin, url) for url in BUDGETS}
    assert large == small
    for url, budget in BUDGETS.items():
        with django_assert_max_num_queries(budget):
            count_queries(admin, url)


def test_batch_edit_preview_queries_do_not_grow_with_the_selection(standalone, admin):
    build_campus(standalone, 40)
    url = "/search/standalone/batch/"
    counts = []
    for selected in (3, 40):
        ids = Entity.objects.filter(entity_type=standalone).values_list("pk", flat=True)
        data = {
            "entities": ",".join(str(pk) for pk in list(ids)[:selected]),
            "show": "room",
            "v-room": "EN3000",
            "step": "preview",
        }
        with CaptureQueriesContext(connection) as captured:
            assert admin.post(url, data).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1] <= 10
