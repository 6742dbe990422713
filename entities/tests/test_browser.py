"""The webtool in headless chromium against a live server: the guide's section 2.2 scenarios.

Each scenario saves a screenshot under test-output/browser/ to look at."""

import pytest

from entities import services
from entities.models import Entity
from entities.reading import entity_contents
from testing import factories
from testing.browser import shot, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def discovery(standalone):
    return factories.entity(
        standalone,
        "discovery",
        domain="cs.example.edu",
        ip_address="192.0.2.10",
        mac_address="00:16:3e:00:00:01",
        server="odie",
        room="EN1018",
        cname=["mail", "www"],
        tables={"CNAMES": [{"cn_name": "mail", "cn_domain": "cs.example.edu"}]},
    )


def values_of(entity):
    return entity_contents(entity, show_secrets=True)


def test_guide_walk_through_moves_en1018_to_the_new_dhcp_server_nermal(page, discovery):
    standalone = discovery.entity_type
    for name, domain, room in [
        ("garfield", "cs.example.edu", "EN1018"),
        ("arbuckle", "cs.example.edu", "EN1018"),
        ("pooky", "cs.example.edu", "EN2036"),
        ("liz", "library.example.edu", "EN1018"),
    ]:
        factories.entity(standalone, name, domain=domain, room=room, server="odie")
    sign_in(page, "editor")

    # Entity Maintenance: type standalone, a name found by autocompletion, View Entity.
    page.select_option("#em-type", "standalone")
    page.fill("#em-name", "disc")
    page.wait_for_selector("#entity-names option[value=discovery]", state="attached")
    page.fill("#em-name", "discovery")
    page.click("button[value=view]")
    page.wait_for_url("**/entity/standalone/discovery/")
    assert page.locator("#var-cname li").all_inner_texts() == ["mail", "www"]
    shot(page, "walkthrough-1-view-discovery")

    # Entity Search: standalone, Variable Search, tick server, domain AND room EN1018.
    page.click("nav >> text=Search")
    page.select_option("select[name=type]", "standalone")
    page.click("button:has-text('Variable Search')")
    page.check("input[name=show][value=server]")
    page.select_option("select[name=c-domain]", "cs.example.edu")
    page.fill("input[name=c-room]", "EN1018")
    page.locator("button:has-text('Search')").first.click()
    page.wait_for_selector(".results-table")
    names = page.locator(".results-table .entity-button").all_inner_texts()
    assert names == ["arbuckle", "discovery", "garfield"]
    assert page.locator(".results-table tbody td:nth-child(3)").all_inner_texts() == ["odie"] * 3
    shot(page, "walkthrough-2-search-results")

    # Batch Edit: server = nermal, preview, apply.
    page.click("button:has-text('Batch Edit')")
    page.fill("input[name=v-server]", "nermal")
    page.click("button:has-text('Preview changes')")
    assert "3 entities will change" in page.inner_text(".preview")
    shot(page, "walkthrough-3-batch-preview")
    page.click("button:has-text('Apply Batch Edit')")
    page.wait_for_selector(".message.success")
    assert "3 change(s)" in page.inner_text(".message.success")
    assert page.locator(".results-table tbody td:nth-child(3)").all_inner_texts() == ["nermal"] * 3
    shot(page, "walkthrough-4-after-batch-edit")
    servers = {
        e.name: values_of(e).values["server"] for e in Entity.objects.filter(entity_type=standalone)
    }
    assert servers == {
        "arbuckle": ["nermal"],
        "discovery": ["nermal"],
        "garfield": ["nermal"],
        "pooky": ["odie"],
        "liz": ["odie"],
    }


def test_modify_check_mark_disappears_on_change_and_restores_the_original(page, discovery):
    sign_in(page, "editor")
    page.goto("/entity/standalone/discovery/modify/")
    room, check = page.locator("input[name=v-room]"), page.locator("#var-room input.unchanged")
    assert check.is_checked()
    room.fill("EN2036")
    assert not check.is_checked()
    assert page.inner_text(".changed-count") == "1 field changed"
    cname = page.locator("#var-cname")
    cname.locator("button.add-value").click()
    cname.locator("input[name=v-cname]").last.fill("ftp")
    assert not cname.locator("input.unchanged").is_checked()
    shot(page, "modify-1-changed")
    check.click()
    assert check.is_checked() and room.input_value() == "EN1018"
    cname.locator("input.unchanged").click()
    assert cname.locator("input[name=v-cname]").count() == 2
    room.fill("EN2036")
    page.click("button:has-text('Submit Changes')")
    page.wait_for_url("**/entity/standalone/discovery/")
    assert "1 change(s) stored" in page.inner_text(".message.success")
    contents = values_of(discovery)
    assert contents.values["room"] == ["EN2036"] and contents.values["cname"] == ["mail", "www"]


def test_table_row_insert_and_remove(page, discovery):
    sign_in(page, "editor")
    page.goto("/entity/standalone/discovery/modify/")
    table = page.locator("#var-CNAMES")
    table.locator("button.add-row").click()
    table.locator("input[name=t-CNAMES-cn_name]").last.fill("www")
    table.locator("input[name=t-CNAMES-cn_domain]").last.fill("library.example.edu")
    table.locator("button.add-row").click()
    table.locator("input[name=t-CNAMES-cn_name]").last.fill("ftp")
    table.locator("tbody tr").first.locator("button.remove-row").click()
    assert not table.locator("input.unchanged").is_checked()
    shot(page, "table-1-edited")
    page.click("button:has-text('Submit Changes')")
    page.wait_for_url("**/entity/standalone/discovery/")
    assert values_of(discovery).tables["CNAMES"] == [
        {"cn_name": "www", "cn_domain": "library.example.edu"},
        {"cn_name": "ftp", "cn_domain": ""},
    ]
    shot(page, "table-2-viewed")


def test_validation_error_is_shown_beside_its_field(page, discovery):
    sign_in(page, "editor")
    page.goto("/entity/standalone/discovery/modify/")
    page.fill("input[name=v-ip_address]", "192.0.2.999x")
    page.fill("input[name=v-room]", "EN2036")
    page.click("button:has-text('Submit Changes')")
    error = page.locator("#var-ip_address .field-error")
    assert "value '192.0.2.999x' is not an IPv4 address" in error.inner_text()
    assert page.locator("input[name=v-room]").input_value() == "EN2036"
    assert not page.locator("#var-room input.unchanged").is_checked()
    shot(page, "validation-error")
    assert values_of(discovery).values["room"] == ["EN1018"]


def test_a_viewer_is_refused_changes(page, discovery):
    sign_in(page, "viewer")
    assert page.locator("button[value=modify]").count() == 0
    page.goto("/entity/standalone/discovery/")
    assert page.locator("a:has-text('Modify Entity')").count() == 0
    response = page.goto("/entity/standalone/discovery/modify/")
    assert response.status == 403
    assert "Your role does not allow this" in page.inner_text("main")
    shot(page, "viewer-refused")


def test_history_and_revert(page, discovery):
    services.do_set_values(discovery, {"room": ["EN2036"], "server": ["nermal"]}, user="bob")
    editor = sign_in(page, "editor")
    page.goto("/entity/standalone/discovery/history/")
    assert "bob" in page.inner_text("table.changes")
    shot(page, "history-1-before-revert")
    page.locator("tr", has_text="room").first.locator("a:has-text('Revert change')").click()
    assert "EN1018" in page.inner_text(".preview")
    shot(page, "history-2-revert-preview")
    page.click("button:has-text('Revert')")
    page.wait_for_url("**/entity/standalone/discovery/history/")
    assert "Reverted: 1 change(s)" in page.inner_text(".message.success")
    newest = page.locator("table.changes tbody tr").first.inner_text()
    assert editor in newest and "room" in newest and "EN1018" in newest
    shot(page, "history-3-after-revert")
    contents = values_of(discovery)
    assert contents.values["room"] == ["EN1018"] and contents.values["server"] == ["nermal"]


def test_a_deleted_entity_comes_back_with_its_values_by_a_revert(page, discovery):
    before = values_of(discovery)
    sign_in(page, "editor")
    page.goto("/entity/standalone/discovery/delete/")
    page.click("button:has-text('Remove discovery')")
    assert "removed" in page.inner_text(".message.success")
    page.goto("/changes/")
    newest = page.locator("table.changes tbody tr").first
    assert "Entity deleted" in newest.inner_text()
    shot(page, "delete-1-change-log")
    newest.locator("a:has-text('Revert batch')").click()
    preview = page.inner_text(".preview")
    assert "re-create the entity" in preview and "EN1018" in preview
    shot(page, "delete-2-revert-preview")
    page.click("button:has-text('Revert')")
    page.wait_for_url("**/changes/")
    assert "Reverted" in page.inner_text(".message.success")
    shot(page, "delete-3-after-revert")
    after = values_of(Entity.objects.get(name="discovery"))
    assert after.values == before.values and after.tables == before.tables


def test_add_variable_refuses_an_existing_name(page, standalone):
    services.do_save_variable(standalone, "room", regex="EN[0-9]{4}", tooltip="Building and room")
    sign_in(page, "admin")
    page.goto("/variables/standalone/add/")
    assert page.input_value("textarea[name=enum_values]") == ""
    page.fill("input[name=name]", "room")
    page.click("button:has-text('Save Variable')")
    error = page.locator(".form-row.has-error .field-error")
    assert error.inner_text() == "standalone already has a variable named 'room'"
    shot(page, "variable-1-existing-name-refused")
    room = standalone.variables.get(name="room")
    assert (room.regex, room.tooltip, room.display_order) == ("EN[0-9]{4}", "Building and room", 5)
    page.goto("/changes/")
    saved = page.locator("table.changes tbody tr", has_text="Variable definition saved").first
    assert "room" in saved.inner_text()
    assert saved.locator("a:has-text('Revert')").count() == 0


def test_use_as_template_is_refused_a_unique_value_naming_its_holder(page, discovery):
    standalone = discovery.entity_type
    services.do_save_variable(standalone, "ip_address", unique=True)
    services.do_save_variable(standalone, "mac_address", unique=True)
    sign_in(page, "admin")
    page.goto("/variables/standalone/")
    row = page.locator("table.definitions tbody tr", has_text="mac_address")
    assert "yes" in row.locator("td.unique").inner_text()
    page.goto("/create/standalone/?template=discovery")
    page.fill("input[name=name]", "discovery2")
    page.click("button:has-text('Create Entity')")
    # Beside its field, the message leaves out the entity and variable the row shows.
    error = page.locator("#var-ip_address .field-error")
    assert error.inner_text() == (
        "value '192.0.2.10' is already held by standalone/discovery; it is unique within its type"
    )
    assert "held by standalone/discovery" in page.inner_text("#var-mac_address .field-error")
    shot(page, "unique-1-use-as-template-refused")
    page.fill("input[name=v-ip_address]", "192.0.2.20")
    page.fill("input[name=v-mac_address]", "00:16:3e:00:00:02")
    # Two hosts cannot share an alias either (workers.clashes): the copy's go to another domain.
    page.select_option("select[name=v-domain]", "library.example.edu")
    for cell in page.locator("[name=t-CNAMES-cn_domain]").all():
        if cell.evaluate("e => e.tagName") == "SELECT":
            cell.select_option("library.example.edu")
        elif cell.input_value():
            cell.fill("library.example.edu")
    page.click("button:has-text('Create Entity')")
    page.wait_for_url("**/entity/standalone/discovery2/")
    assert values_of(Entity.objects.get(name="discovery2")).values["ip_address"] == ["192.0.2.20"]
