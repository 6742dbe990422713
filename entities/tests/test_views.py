"""The System Configuration webtool, driven through Django's test client."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from entities import services
from entities.models import Change, Entity, EntityType, VariableDefinition
from entities.reading import entity_contents
from entities.views import search as search_views
from testing import factories
from testing.clients import signed_in


@pytest.fixture
def discovery(standalone):
    """The guide's 'discovery' of section 2.2."""
    return factories.entity(
        standalone,
        "discovery",
        domain="cs.example.edu",
        ip_address="192.0.2.10",
        server="odie",
        room="EN1018",
        cname=["mail", "www"],
        iscsi_password="s3cret",
        tables={"CNAMES": [{"cn_name": "mail", "cn_domain": "cs.example.edu"}]},
    )


def values_of(entity):
    return entity_contents(entity, show_secrets=True).values


def row_of(html: str, field: str) -> str:
    """The table row of one variable on an entity page."""
    match = re.search(rf'<tr id="var-{field}".*?</tr>\s*(?=<tr id="var-|</table>)', html, re.S)
    assert match, f"no row for {field}"
    return match.group(0)


def modify_data(entity, **changes) -> dict:
    """What the Modify form posts when the user changes only `changes`."""
    contents = entity_contents(entity, show_secrets=True)
    data = {"seq": Change.objects.filter(entity=entity.name).order_by("-seq").first().seq}
    for d in contents.definitions:
        if not d.table:
            data[f"v-{d.name}"] = contents.values.get(d.name, [])
    for table, rows in contents.tables.items():
        for column in rows[0]:
            data[f"t-{table}-{column}"] = [row[column] for row in rows]
    data.update(changes)
    return data


def test_signing_in_is_required(db):
    response = Client().get(reverse("entities:home"))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert b"Sign in" in Client().get("/accounts/login/").content


def test_main_page_offers_the_guides_entry_points_by_role(standalone):
    admin_page = signed_in("admin").get("/").content.decode()
    for entry in (
        "Entity Maintenance",
        "View Entity",
        "Modify Entity",
        "Use as Template",
        "Variable Maintenance",
        "Entity Type Maintenance",
        "Entity Creation",
        "Entity Search",
    ):
        assert entry in admin_page
    viewer_page = signed_in("viewer").get("/").content.decode()
    assert "View Entity" in viewer_page and "Entity Search" in viewer_page
    assert "Modify Entity" not in viewer_page and "Variable Maintenance" not in viewer_page


def test_entity_maintenance_goes_to_the_chosen_page(discovery):
    client = signed_in("editor")
    go = reverse("entities:entity_maintenance")
    assert client.get(go, {"type": "standalone", "name": "discovery"})["Location"] == (
        "/entity/standalone/discovery/"
    )
    modify = client.get(go, {"type": "standalone", "name": "discovery", "action": "modify"})
    assert modify["Location"] == "/entity/standalone/discovery/modify/"
    template = client.get(go, {"type": "standalone", "name": "discovery", "action": "template"})
    assert template["Location"] == "/create/standalone/?template=discovery"
    missing = client.get(go, {"type": "standalone", "name": "garfield"}, follow=True)
    assert "There is no standalone entity named &#x27;garfield&#x27;" in missing.content.decode()


def test_entity_names_autocomplete(discovery):
    factories.entity(discovery.entity_type, "dilbert")
    factories.entity(discovery.entity_type, "odin")
    html = signed_in("viewer").get("/entity/names/", {"type": "standalone", "name": "di"})
    assert re.findall(r'value="([^"]+)"', html.content.decode()) == ["dilbert", "discovery"]


def test_view_shows_groups_values_tables_tooltips_and_activity(discovery, standalone):
    factories.variable(standalone, "room", tooltip="Building and room number")
    html = signed_in("viewer").get(discovery.get_absolute_url()).content.decode()
    mandatory, optional = html.split(">Mandatory<")[1].split(">Optional<")
    assert "var-domain" in mandatory and "var-ip_address" in mandatory
    assert "var-room" in optional and "var-CNAMES" in optional
    assert 'title="Building and room number"' in row_of(html, "room")
    assert "<li>mail</li><li>www</li>" in row_of(html, "cname")
    assert "<td>mail</td><td>cs.example.edu</td>" in row_of(html, "CNAMES")
    assert ">active<" in html and "********" in row_of(html, "iscsi_password")

    services.do_set_values(discovery, {"ip_address": []}, user="alice")
    html = signed_in("viewer").get(discovery.get_absolute_url()).content.decode()
    assert ">inactive<" in html and "<strong>ip_address</strong> has no value" in html


def test_secret_values_are_shown_only_to_admins(discovery):
    url = reverse("entities:modify", args=["standalone", "discovery"])
    assert "s3cret" not in signed_in("editor").get(url).content.decode()
    assert "s3cret" in signed_in("admin").get(url).content.decode()


def test_modify_form_has_a_widget_per_definition(discovery):
    html = signed_in("editor").get(reverse("entities:modify", args=["standalone", "discovery"]))
    html = html.content.decode()
    domain = row_of(html, "domain")
    assert '<select name="v-domain">' in domain and ">library.example.edu<" in domain
    assert 'list="dl-v-server"' in row_of(html, "server") and '<option value="nermal">' in html
    assert (
        row_of(html, "cname").count('name="v-cname"') == 3
    )  # two values and the new-value template
    assert 'class="add-value' in row_of(html, "cname")
    table = row_of(html, "CNAMES")
    assert 'name="t-CNAMES-cn_name" value="mail"' in table
    assert "Insert row" in table and "Remove" in table
    assert 'class="unchanged" checked' in row_of(html, "room")


def test_submit_changes_stores_only_what_changed_in_one_batch(discovery):
    client = signed_in("editor", "alice")
    url = reverse("entities:modify", args=["standalone", "discovery"])
    before = Change.objects.count()
    data = modify_data(
        discovery,
        **{
            "v-room": "EN2036",
            "v-cname": ["www", "ftp"],
            "t-CNAMES-cn_name": ["mail", "www"],
            "t-CNAMES-cn_domain": ["cs.example.edu", "library.example.edu"],
        },
    )
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"] == discovery.get_absolute_url()
    contents = entity_contents(discovery, show_secrets=True)
    assert contents.values["room"] == ["EN2036"]
    assert contents.values["cname"] == ["www", "ftp"]
    assert contents.tables["CNAMES"][1] == {"cn_name": "www", "cn_domain": "library.example.edu"}
    new = Change.objects.filter(seq__gt=before)
    assert len({c.batch for c in new}) == 1
    assert {c.user for c in new} == {"alice"}
    assert {c.variable for c in new} == {"room", "cname", "cn_name", "cn_domain"}


def test_an_invalid_value_stores_nothing_and_is_shown_beside_its_field(discovery):
    url = reverse("entities:modify", args=["standalone", "discovery"])
    before = Change.objects.count()
    response = signed_in("editor").post(
        url, modify_data(discovery, **{"v-room": "EN2036", "v-ip_address": "not-an-ip"})
    )
    assert response.status_code == 400
    html = response.content.decode()
    ip_row = row_of(html, "ip_address")
    assert "has-error" in ip_row and "&#x27;not-an-ip&#x27; is not an IPv4 address" in ip_row
    assert 'value="not-an-ip"' in ip_row and 'value="EN2036"' in row_of(html, "room")
    assert values_of(discovery)["room"] == ["EN1018"]
    assert Change.objects.count() == before


def test_a_value_over_the_size_cap_is_refused_beside_its_field_unquoted(discovery):
    url = reverse("entities:modify", args=["standalone", "discovery"])
    response = signed_in("editor").post(url, modify_data(discovery, **{"v-room": "Q" * 1048577}))
    assert response.status_code == 400
    room_row = row_of(response.content.decode(), "room")
    assert "has-error" in room_row and "value of 1,048,577 bytes is longer than" in room_row
    assert values_of(discovery)["room"] == ["EN1018"]


def test_a_stale_form_is_refused_and_keeps_the_users_entries(discovery):
    url = reverse("entities:modify", args=["standalone", "discovery"])
    data = modify_data(discovery, **{"v-room": "EN2036"})
    services.do_set_values(discovery, {"server": ["nermal"]}, user="bob")
    response = signed_in("editor").post(url, data)
    html = response.content.decode()
    assert response.status_code == 409
    assert "was changed by bob (server) after you opened this form. Nothing was stored" in html
    assert 'value="EN2036"' in row_of(html, "room")
    assert values_of(discovery)["room"] == ["EN1018"]
    # Submitting again, now knowing, stores it.
    seq = re.search(r'name="seq" value="(\d+)"', html).group(1)
    response = signed_in("editor").post(url, {**data, "seq": seq, "v-server": "nermal"})
    assert response.status_code == 302 and values_of(discovery)["room"] == ["EN2036"]


def test_viewers_cannot_modify_and_editors_cannot_maintain_definitions(discovery):
    viewer = signed_in("viewer")
    url = reverse("entities:modify", args=["standalone", "discovery"])
    assert viewer.get(url).status_code == 403
    assert viewer.post(url, modify_data(discovery, **{"v-room": "X"})).status_code == 403
    assert values_of(discovery)["room"] == ["EN1018"]
    editor = signed_in("editor")
    assert editor.get(reverse("entities:variables", args=["standalone"])).status_code == 403
    assert editor.get(reverse("entities:types")).status_code == 403
    assert "Your role does not allow this" in editor.get("/types/").content.decode()


def test_forms_need_the_csrf_token(discovery):
    client = Client(enforce_csrf_checks=True)
    client.force_login(factories.user("editor"))
    url = reverse("entities:modify", args=["standalone", "discovery"])
    assert client.post(url, modify_data(discovery, **{"v-room": "X"})).status_code == 403


def test_use_as_template_creates_a_prefilled_entity(discovery):
    client = signed_in("editor")
    url = reverse("entities:create", args=["standalone"]) + "?template=discovery"
    html = client.get(url).content.decode()
    assert 'value="EN1018"' in html and "s3cret" not in html
    # Its own address and domain: two hosts cannot share an address or an alias
    # (workers.clashes), so the copied aliases are garfield's in another domain.
    data = modify_data(
        discovery,
        name="garfield",
        **{
            "v-ip_address": "192.0.2.11",
            "v-domain": "library.example.edu",
            "t-CNAMES-cn_domain": "library.example.edu",
        },
    )
    taken = client.post(url, {**data, "name": "discovery"})
    assert taken.status_code == 400 and "an entity of this type with this name exists" in (
        taken.content.decode()
    )
    assert client.post(url, data)["Location"] == "/entity/standalone/garfield/"
    garfield = Entity.objects.get(name="garfield")
    assert values_of(garfield)["cname"] == ["mail", "www"]
    assert values_of(garfield)["ip_address"] == ["192.0.2.11"]
    assert "iscsi_password" not in values_of(garfield)  # the editor never saw it


@pytest.fixture
def campus(standalone):
    """Standalone entities in two domains and rooms, the search walk-through's data."""
    for name, domain, room in [
        ("ws1", "cs.example.edu", "EN1018"),
        ("ws2", "cs.example.edu", "EN1018"),
        ("ws3", "cs.example.edu", "EN2036"),
        ("lib1", "library.example.edu", "EN1018"),
    ]:
        factories.entity(standalone, name, domain=domain, room=room, server="odie")
    return standalone


def search(client, **params) -> list[str]:
    html = client.get("/search/standalone/", {"search": "1", **params}).content.decode()
    return re.findall(r'class="button small entity-button"[^>]*>([^<]+)<', html)


def test_entity_search_with_and_or_any_of_and_patterns(campus):
    client = signed_in("viewer")
    assert search(client, **{"c-domain": "cs.example.edu", "c-room": "EN1018"}) == ["ws1", "ws2"]
    assert search(client, mode="or", **{"c-domain": "library.example.edu", "c-room": "EN2036"}) == [
        "lib1",
        "ws3",
    ]
    assert search(client, **{"c-room": ["EN2036", "EN1018"], "c-domain": "cs.example.edu"}) == [
        "ws1",
        "ws2",
        "ws3",
    ]
    assert search(client, **{"c-room": "EN10*"}) == ["lib1", "ws1", "ws2"]
    assert len(search(client)) == 4


def test_search_results_show_the_ticked_variables(campus):
    html = signed_in("editor").get(
        "/search/standalone/", {"search": "1", "c-room": "EN2036", "show": ["server", "room"]}
    )
    html = html.content.decode()
    assert "<th>server</th><th>room</th>" in html.replace("\n", "").replace("  ", "")
    assert "<td>odie</td>" in html and 'name="entity"' in html and "Batch Edit" in html


def test_search_results_and_the_preview_link_each_entity_to_its_page(campus):
    factories.entity(campus, "lab+1@en", room="EN2036", cname=["mail", "www"])
    query = {"search": "1", "c-room": "EN2036", "show": ["cname"]}
    editor = signed_in("editor")
    html = editor.get("/search/standalone/", query).content.decode()
    modify = reverse("entities:modify", args=["standalone", "lab+1@en"])
    assert f'href="{modify}">lab+1@en</a> <span class="badge warn">inactive</span>' in html
    assert "<td>mail, www</td>" in html and "<td>—</td>" in html  # ws3 has no cname
    html = signed_in("viewer").get("/search/standalone/", query).content.decode()
    page = reverse("entities:entity", args=["standalone", "lab+1@en"])
    assert f'href="{page}">lab+1@en</a>' in html and modify not in html
    targets = Entity.objects.filter(name__in=["ws3", "lab+1@en"])
    preview = batch(editor, targets, "preview", **{"v-server": "nermal"}).content.decode()
    assert f'<a href="{page}">lab+1@en</a>' in preview
    ws3 = reverse("entities:entity", args=["standalone", "ws3"])
    assert f'<a href="{ws3}">ws3</a>' in preview


def test_search_results_escape_values_and_hold_no_secret_for_a_viewer(campus):
    factories.entity(campus, "ws9", room="EN2036", cname=['<b>"x"</b>&'], iscsi_password="hunter2")
    query = {"search": "1", "c-room": "EN2036", "show": ["cname", "iscsi_password"]}
    html = signed_in("viewer").get("/search/standalone/", query).content.decode()
    assert "<td>&lt;b&gt;&quot;x&quot;&lt;/b&gt;&amp;</td>" in html and '<b>"x"' not in html
    assert "hunter2" not in html and "<th>iscsi_password</th>" not in html


def test_each_criterion_drop_down_selects_its_own_value(campus):
    query = {"search": "1", "c-server": ["odie", "nermal"]}
    html = signed_in("viewer").get("/search/standalone/", query).content.decode()
    selects = re.findall(r'<select name="c-server">.*?</select>', html)
    assert len(selects) == 3  # two values, and the template of a further one
    assert '<option value="odie" selected>' in selects[0] and " selected" not in selects[0].replace(
        '"odie" selected', ""
    )
    assert '<option value="nermal" selected>' in selects[1] and '"odie" selected' not in selects[1]
    assert " selected" not in selects[2] and '<option value="odie" >odie</option>' in selects[2]


def batch(client, entities, step, show=("server",), **values):
    data = {"entities": ",".join(str(e.pk) for e in entities), "show": list(show), "step": step}
    data.update(values)
    return client.post(reverse("entities:batch_edit", args=["standalone"]), data)


def test_batch_edit_previews_then_applies_one_batch(campus):
    client = signed_in("editor")
    targets = list(Entity.objects.filter(name__in=["ws1", "ws2", "ws3"]))
    services.do_set_values(targets[2], {"server": ["nermal"]})
    edit = client.post(
        reverse("entities:batch_edit", args=["standalone"]),
        {"entity": [e.pk for e in targets], "show": "server"},
    )
    assert 'name="v-server"' in edit.content.decode() and "ws3" in edit.content.decode()
    preview = batch(client, targets, "preview", **{"v-server": "nermal"}).content.decode()
    assert "2 entities will change; 1 already holds these values" in preview
    assert values_of(targets[0])["server"] == ["odie"]  # a preview stores nothing
    seq = re.search(r'name="seq" value="(\d+)"', preview).group(1)
    before = Change.objects.count()
    applied = batch(client, targets, "apply", seq=seq, **{"v-server": "nermal"})
    assert applied.status_code == 302
    changes = Change.objects.filter(seq__gt=before)
    assert sorted(c.entity for c in changes) == ["ws1", "ws2"]
    assert len({c.batch for c in changes}) == 1


def test_batch_edit_refuses_invalid_values_and_stale_previews(campus):
    client = signed_in("editor")
    targets = list(Entity.objects.filter(name__in=["ws1", "ws2"]))
    refused = batch(client, targets, "preview", **{"v-server": "garfield"})
    assert refused.status_code == 400
    assert "&#x27;garfield&#x27; is not the name of a server entity" in row_of(
        refused.content.decode(), "server"
    )
    preview = batch(client, targets, "preview", **{"v-server": "nermal"}).content.decode()
    seq = re.search(r'name="seq" value="(\d+)"', preview).group(1)
    services.do_set_values(targets[0], {"room": ["EN2036"]}, user="bob")
    stale = batch(client, targets, "apply", seq=seq, **{"v-server": "nermal"})
    assert stale.status_code == 400 and "changed since the preview" in stale.content.decode()
    assert values_of(targets[1])["server"] == ["odie"]


def test_a_change_to_other_entities_after_the_preview_does_not_stop_the_batch_edit(campus):
    client = signed_in("editor")
    targets = list(Entity.objects.filter(name__in=["ws1", "ws2"]))
    preview = batch(client, targets, "preview", **{"v-server": "nermal"}).content.decode()
    seq = re.search(r'name="seq" value="(\d+)"', preview).group(1)
    other = Entity.objects.filter(entity_type=targets[0].entity_type).exclude(
        pk__in=[e.pk for e in targets]
    )
    services.do_set_values(other.first(), {"room": ["EN2036"]}, user="bob")
    applied = batch(client, targets, "apply", seq=seq, **{"v-server": "nermal"})
    assert applied.status_code == 302
    assert [values_of(e)["server"] for e in targets] == [["nermal"], ["nermal"]]


def test_batch_edit_can_clear_a_variable(campus):
    client = signed_in("editor")
    targets = list(Entity.objects.filter(name__in=["ws1", "ws2"]))
    applied = batch(client, targets, "apply", seq="999999", show=["room"], **{"clear-room": "1"})
    assert applied.status_code == 302
    assert all("room" not in values_of(e) for e in targets)


def test_going_back_from_the_preview_keeps_the_clear_boxes(campus):
    targets = list(Entity.objects.filter(name__in=["ws1", "ws2"]))
    client = signed_in("editor")
    extra = {"v-server": "nermal", "clear-room": "1"}
    preview = batch(client, targets, "preview", show=["server", "room"], **extra)
    assert 'name="clear-room" value="1"' in preview.content.decode()
    back = batch(client, targets, "edit", show=["server", "room"], **extra).content.decode()
    assert re.search(r'name="clear-room" value="1" checked', back)
    assert not re.search(r'name="clear-server" value="1" checked', back)


def test_search_results_are_paged_and_a_batch_edit_can_take_every_match(campus, monkeypatch):
    monkeypatch.setattr(search_views, "RESULTS_PAGE", 2)
    client = signed_in("editor")
    first = client.get("/search/standalone/", {"search": "1", "c-room": "EN1018"}).content.decode()
    assert "3 matches" in first and "page 1 of 2" in first and "Batch Edit all 3 matches" in first
    assert len(re.findall(r'name="entity" value="(\d+)"', first)) == 2
    assert search(client, **{"c-room": "EN1018", "page": "2"}) == ["ws2"]
    edit = client.post(
        reverse("entities:batch_edit", args=["standalone"]),
        {"scope": "all", "back": "search=1&c-room=EN1018", "show": "server", "entity": ["1"]},
    ).content.decode()
    assert "3 standalone entities in this batch" in edit
    assert all(f"<li>{name}</li>" in edit for name in ("lib1", "ws1", "ws2"))


@pytest.fixture
def cnames(standalone):
    for name, rows in [
        ("ws1", [("mail", "cs.example.edu"), ("www", "cs.example.edu")]),
        ("ws2", [("ftp", "library.example.edu"), ("www", "library.example.edu")]),
    ]:
        factories.entity(
            standalone,
            name,
            tables={"CNAMES": [{"cn_name": n, "cn_domain": d} for n, d in rows]},
        )


def www_rows(client) -> list[str]:
    """The CNAMES rows named www, as the table search's results offer them for a batch edit."""
    html = client.get(
        "/search/standalone/table/CNAMES/", {"search": "1", "c-cn_name": "www"}
    ).content.decode()
    return re.findall(r'name="row" value="([^"]+)"', html)


def test_table_search_and_row_batch_edit(cnames):
    client = signed_in("editor")
    rows = www_rows(client)
    assert len(rows) == 2
    url = reverse("entities:table_batch_edit", args=["standalone", "CNAMES"])
    # A new name for both rows, each in its own domain: one alias per host (workers.clashes).
    data = {"rows": ",".join(rows), "show": "cn_name", "v-cn_name": "web"}
    preview = client.post(url, {**data, "step": "preview"}).content.decode()
    assert "ws1 row 2" in preview and "ws2 row 2" in preview
    assert client.post(url, {**data, "step": "apply", "seq": "999999"}).status_code == 302
    ws1 = Entity.objects.get(name="ws1")
    assert entity_contents(ws1).tables["CNAMES"] == [
        {"cn_name": "mail", "cn_domain": "cs.example.edu"},
        {"cn_name": "web", "cn_domain": "cs.example.edu"},
    ]
    removed = client.post(url, {"rows": rows[0], "remove": "1", "step": "apply", "seq": "999999"})
    assert removed.status_code == 302
    assert entity_contents(ws1).tables["CNAMES"] == [
        {"cn_name": "mail", "cn_domain": "cs.example.edu"}
    ]


def test_a_row_batch_edit_is_refused_when_an_entity_changed_since_the_preview(cnames):
    client = signed_in("editor")
    rows = www_rows(client)
    url = reverse("entities:table_batch_edit", args=["standalone", "CNAMES"])
    data = {"rows": ",".join(rows), "show": "cn_name", "v-cn_name": "web"}
    preview = client.post(url, {**data, "step": "preview"}).content.decode()
    seq = re.search(r'name="seq" value="(\d+)"', preview).group(1)
    ws1 = Entity.objects.get(name="ws1")
    before = entity_contents(ws1).tables["CNAMES"]
    services.do_set_values(ws1, {"room": ["EN2036"]}, user="bob")
    stale = client.post(url, {**data, "step": "apply", "seq": seq})
    assert stale.status_code == 400 and "changed since the preview" in stale.content.decode()
    assert entity_contents(ws1).tables["CNAMES"] == before


def test_history_lists_who_changed_what_and_reverts_a_change(discovery):
    services.do_set_values(discovery, {"room": ["EN2036"], "server": ["nermal"]}, user="bob")
    client = signed_in("editor")
    html = client.get(reverse("entities:history", args=["standalone", "discovery"])).content
    html = html.decode()
    assert "bob" in html and "EN1018" in html and "EN2036" in html
    room_change = Change.objects.get(variable="room", user="bob")
    preview = client.get(reverse("entities:revert_change", args=[room_change.seq]))
    assert 'EN2036</td><td class="arrow">→</td><td class="new">EN1018' in (preview.content.decode())
    assert client.post(reverse("entities:revert_change", args=[room_change.seq])).status_code == 302
    assert values_of(discovery)["room"] == ["EN1018"]
    assert values_of(discovery)["server"] == ["nermal"]
    revert = Change.objects.order_by("-seq").first()
    assert revert.variable == "room" and revert.new_value == "EN1018" and revert.user != "bob"


def test_reverting_a_batch_undoes_all_of_it_and_refuses_when_changed_since(discovery):
    services.do_set_values(discovery, {"room": ["EN2036"], "cname": ["www"]}, user="bob")
    bobs = Change.objects.filter(user="bob").first().batch
    services.do_set_values(discovery, {"cname": ["ftp"]}, user="carol")
    client = signed_in("editor")
    url = reverse("entities:revert_batch", args=[bobs])
    refused = client.get(url)
    assert refused.status_code == 409
    assert "cname[1] is now &#x27;ftp&#x27;, no longer what change" in refused.content.decode()
    carols = Change.objects.filter(user="carol").first().batch
    client.post(reverse("entities:revert_batch", args=[carols]))
    assert client.post(url).status_code == 302
    assert values_of(discovery)["room"] == ["EN1018"]
    assert values_of(discovery)["cname"] == ["mail", "www"]


def test_reverting_a_creation_removes_the_entity(standalone):
    created = factories.entity(standalone, "garfield", room="EN1018")
    batch_id = Change.objects.get(entity="garfield", action="create_entity").batch
    signed_in("editor").post(reverse("entities:revert_batch", args=[batch_id]))
    assert not Entity.objects.filter(pk=created.pk).exists()


def delete_via_the_webtool(entity) -> Change:
    url = reverse("entities:delete", args=[entity.entity_type.name, entity.name])
    signed_in("editor").post(url)
    return Change.objects.get(entity=entity.name, action="delete_entity")


def test_deleting_an_entity_records_its_values_and_its_revert_re_creates_it(discovery):
    before = entity_contents(discovery, show_secrets=True)
    deletion = delete_via_the_webtool(discovery)
    batch = list(Change.objects.filter(batch=deletion.batch))
    assert batch[-1] == deletion and {c.action for c in batch[:-1]} == {"delete"}
    assert ("cname", 2, "www") in [(c.variable, c.indx, c.old_value) for c in batch]
    assert [c.secret for c in batch if c.variable == "iscsi_password"] == [True]
    client = signed_in("editor")
    preview = client.get(reverse("entities:revert_change", args=[deletion.seq])).content.decode()
    assert "re-create the entity" in preview and "********" in preview and "s3cret" not in preview
    assert client.post(reverse("entities:revert_change", args=[deletion.seq])).status_code == 302
    after = entity_contents(Entity.objects.get(name="discovery"), show_secrets=True)
    assert after.values == before.values and after.tables == before.tables
    revert = Change.objects.filter(seq__gt=deletion.seq)
    assert revert[0].action == "create_entity" and len({c.batch for c in revert}) == 1


def test_reverting_a_deletion_is_refused_when_it_cannot_be_re_created(discovery, standalone):
    deletion = delete_via_the_webtool(discovery)
    client = signed_in("editor")
    url = reverse("entities:revert_batch", args=[deletion.batch])
    services.do_save_variable(standalone, "room", regex="EN2[0-9]{3}")
    refused = client.post(url, follow=True).content.decode()
    assert "Nothing was reverted: standalone/discovery cannot be re-created as it was" in refused
    assert "&#x27;EN1018&#x27; is not a value matching the pattern EN2[0-9]{3}" in refused
    assert not Entity.objects.filter(name="discovery").exists()
    services.do_save_variable(standalone, "room", regex="")
    factories.entity(standalone, "discovery")
    again = client.get(url)
    assert again.status_code == 409
    assert "standalone/discovery exists again" in again.content.decode()


def test_reverting_the_deletion_of_a_type_is_refused_with_a_reason(standalone):
    printer = services.do_create_type("printer")
    factories.entity(printer, "lp1")
    signed_in("admin").post("/types/printer/delete/")
    deletion = Change.objects.get(action="delete_entity", entity="lp1")
    client = signed_in("editor")
    whole = client.get(reverse("entities:revert_batch", args=[deletion.batch])).content.decode()
    assert "deleting an entity type cannot be reverted" in whole
    one = client.get(reverse("entities:revert_change", args=[deletion.seq])).content.decode()
    assert "deleting an entity type cannot be reverted" in one


def test_variable_maintenance_lists_edits_and_adds(standalone):
    client = signed_in("admin")
    listing = client.get("/variables/standalone/").content.decode()
    assert "cn_domain" in listing and "CNAMES" in listing and "entities of domain" in listing
    form = client.get("/variables/standalone/room/").content.decode()
    assert 'name="tooltip"' in form
    saved = client.post(
        "/variables/standalone/room/",
        {
            "widget": "input",
            "tooltip": "Building and room",
            "display_order": "5",
            "enumeration": "",
        },
    )
    assert saved.status_code == 302
    assert VariableDefinition.objects.get(name="room", entity_type=standalone).tooltip == (
        "Building and room"
    )
    added = client.post(
        "/variables/standalone/add/",
        {
            "name": "os",
            "widget": "selectonly",
            "enumeration": "static",
            "enum_values": "linux\nwindows",
            "display_order": "10",
        },
    )
    assert added.status_code == 302
    assert VariableDefinition.objects.get(name="os").enum_values == ["linux", "windows"]
    bad = client.post(
        "/variables/standalone/add/",
        {"name": "bad", "widget": "input", "regex": "(", "display_order": "0", "enumeration": ""},
    )
    assert bad.status_code == 400 and "is invalid" in bad.content.decode()
    assert Change.objects.filter(action="set_vardef", variable="os").get().user.startswith("admin")


def test_entity_type_maintenance_adds_and_removes_after_confirmation(standalone):
    client = signed_in("admin")
    assert client.post("/types/", {"name": "printer", "description": "Printers"}).status_code == 302
    duplicate = client.post("/types/", {"name": "printer"})
    assert duplicate.status_code == 400 and "already exists" in duplicate.content.decode()
    printer = EntityType.objects.get(name="printer")
    factories.entity(printer, "lp1")
    confirm = client.get("/types/printer/delete/").content.decode()
    assert "1 entity" in confirm and "<li>lp1</li>" in confirm
    assert EntityType.objects.filter(name="printer").exists()
    client.post("/types/printer/delete/")
    assert not EntityType.objects.filter(name="printer").exists()
    referenced = client.get("/types/server/delete/").content.decode()
    assert "cannot be removed" in referenced and "standalone.server" in referenced


def test_an_editors_table_batch_edit_keeps_secret_columns(standalone):
    factories.variable(standalone, "cn_key", table="CNAMES", secret=True)
    factories.entity(
        standalone,
        "ws1",
        tables={"CNAMES": [{"cn_name": "www", "cn_domain": "cs.example.edu", "cn_key": "k3y"}]},
    )
    client = signed_in("editor")
    url = reverse("entities:table_batch_edit", args=["standalone", "CNAMES"])
    ws1 = Entity.objects.get(name="ws1")
    data = {"rows": f"{ws1.pk}:1", "show": "cn_domain", "v-cn_domain": "library.example.edu"}
    preview = client.post(url, {**data, "step": "preview"}).content.decode()
    assert "k3y" not in preview
    assert client.post(url, {**data, "step": "apply", "seq": "999999"}).status_code == 302
    assert entity_contents(ws1, show_secrets=True).tables["CNAMES"] == [
        {"cn_name": "www", "cn_domain": "library.example.edu", "cn_key": "k3y"}
    ]
    removing = client.post(url, {"rows": f"{ws1.pk}:1", "remove": "1", "step": "preview"})
    assert "k3y" not in removing.content.decode()


def test_viewers_get_no_secret_values_from_autocomplete(discovery):
    services.do_set_values(discovery, {"iscsi_password": ["s3cret"]})
    url = reverse("entities:values", args=["standalone", "iscsi_password"])
    assert "s3cret" not in signed_in("viewer").get(url, {"c-iscsi_password": ""}).content.decode()
    assert "s3cret" in signed_in("admin").get(url, {"c-iscsi_password": ""}).content.decode()


def test_revert_does_not_follow_a_next_address_on_another_site(discovery):
    services.do_set_values(discovery, {"room": ["EN2036"]}, user="bob")
    change = Change.objects.get(variable="room", user="bob")
    url = reverse("entities:revert_change", args=[change.seq])
    response = signed_in("editor").post(url, {"next": "//evil.example/phish"})
    assert response.status_code == 302 and response.url == reverse("entities:changes")


def test_change_log_with_a_malformed_batch_id_says_so(discovery):
    response = signed_in("viewer").get(reverse("entities:changes"), {"batch": "nope"})
    assert response.status_code == 200 and "is not a batch id" in response.content.decode()


def test_values_with_spaces_are_not_rewritten_by_an_unrelated_submit(discovery):
    services.do_set_values(discovery, {"cname": [" mail"]})
    last = Change.objects.order_by("-seq").first().seq
    client = signed_in("editor")
    client.post(
        reverse("entities:modify", args=["standalone", "discovery"]),
        modify_data(discovery, **{"v-room": ["EN2036"]}),
    )
    changed = set(Change.objects.filter(seq__gt=last).values_list("variable", flat=True))
    assert changed == {"room"}


def test_add_variable_refuses_an_existing_name_and_changes_nothing(standalone):
    room = standalone.variables.get(name="room")
    services.do_save_variable(standalone, "room", regex="EN[0-9]{4}", tooltip="Building and room")
    before = Change.objects.count()
    refused = signed_in("admin").post(
        "/variables/standalone/add/",
        {"name": "room", "widget": "input", "display_order": "0", "enumeration": ""},
    )
    assert refused.status_code == 400
    assert "standalone already has a variable named &#x27;room&#x27;" in refused.content.decode()
    room.refresh_from_db()
    assert (room.regex, room.tooltip, room.display_order) == ("EN[0-9]{4}", "Building and room", 5)
    assert Change.objects.count() == before


def test_add_variable_starts_with_no_enumerated_values(standalone):
    client = signed_in("admin")
    form = client.get("/variables/standalone/add/").content.decode()
    assert re.search(r'<textarea name="enum_values"[^>]*>\s*</textarea>', form)
    added = client.post(
        "/variables/standalone/add/",
        {
            "name": "os",
            "widget": "input",
            "display_order": "0",
            "enumeration": "",
            "enum_values": "",
        },
    )
    assert added.status_code == 302
    assert VariableDefinition.objects.get(name="os").enum_values == []


def test_change_log_offers_a_revert_only_where_one_can_be_done(discovery, standalone):
    services.do_save_variable(standalone, "room", tooltip="Building and room")
    services.do_set_values(discovery, {"room": ["EN2036"]})
    log = signed_in("editor").get("/changes/").content.decode()
    rows = re.findall(r"<tr>.*?</tr>", log, re.S)
    definition = next(r for r in rows if "Variable definition saved" in r)
    value = next(r for r in rows if "Value set" in r and "EN2036" in r)
    assert "Revert" not in definition
    assert "Revert change" in value


def test_a_revert_is_labelled_as_one_in_the_change_log(discovery):
    services.do_set_values(discovery, {"room": ["EN2036"]}, user="bob")
    bobs = Change.objects.get(user="bob")
    client = signed_in("editor")
    client.post(reverse("entities:revert_change", args=[bobs.seq]))
    revert = Change.objects.order_by("-seq").first()
    assert revert.reverts == bobs.batch
    html = client.get(reverse("entities:changes")).content.decode()
    assert f'href="/changes/?batch={bobs.batch}"' in html and ">revert</a>" in html
    assert html.count(">revert</a>") == 1
