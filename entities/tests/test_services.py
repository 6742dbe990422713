import pytest
from django.core.exceptions import ValidationError

from entities import services
from entities.models import Change, Entity, Value
from entities.reading import entity_contents
from testing import factories


def values_of(entity):
    return entity_contents(entity, show_secrets=True).values


def test_entity_is_active_exactly_when_mandatory_variables_have_values(standalone):
    discovery = factories.entity(standalone, "discovery", domain="cs.example.edu")
    assert not discovery.active
    assert entity_contents(discovery).missing == ["ip_address"]
    services.do_set_values(discovery, {"ip_address": ["192.0.2.10"]}, user="alice")
    discovery.refresh_from_db()
    assert discovery.active
    services.do_set_values(discovery, {"ip_address": []}, user="alice")
    discovery.refresh_from_db()
    assert not discovery.active


def test_multi_values_keep_their_order_and_tables_their_rows(standalone):
    discovery = factories.entity(
        standalone,
        "discovery",
        domain="cs.example.edu",
        cname=["mail", "www"],
        tables={"CNAMES": [{"cn_name": "mail", "cn_domain": "cs.example.edu"}, {"cn_name": "www"}]},
    )
    contents = entity_contents(discovery)
    assert contents.values["cname"] == ["mail", "www"]
    assert contents.tables["CNAMES"] == [
        {"cn_name": "mail", "cn_domain": "cs.example.edu"},
        {"cn_name": "www", "cn_domain": ""},
    ]
    services.do_set_values(discovery, {"cname": ["www", "", "ftp"]})
    assert values_of(discovery)["cname"] == ["www", "ftp"]


@pytest.mark.parametrize(
    "values, field, fragment",
    [
        ({"ip_address": ["not-an-ip"]}, "ip_address", "'not-an-ip' is not an IPv4 address"),
        ({"domain": ["nowhere.example"]}, "domain", "'nowhere.example' is not one of"),
        ({"server": ["garfield"]}, "server", "'garfield' is not the name of a server entity"),
        ({"room": ["EN1018", "EN2036"]}, "room", "takes one value, not 2"),
        ({"colour": ["blue"]}, "colour", "unknown variable 'colour'"),
        ({"cn_name": ["x"]}, "cn_name", "is a column of table 'CNAMES'"),
    ],
)
def test_invalid_writes_are_refused_naming_entity_variable_and_value(
    standalone, values, field, fragment
):
    discovery = factories.entity(standalone, "discovery", domain="cs.example.edu", room="EN1018")
    changes_before = Change.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.do_set_values(discovery, {"room": ["EN2036"], **values}, user="alice")
    message = " ".join(refused.value.message_dict[field])
    assert "standalone/discovery" in message and fragment in message
    # Nothing of the action is stored, not even its valid part.
    assert values_of(discovery)["room"] == ["EN1018"]
    assert Change.objects.count() == changes_before


def test_select_widget_accepts_values_outside_its_enumeration(standalone):
    factories.variable(
        standalone, "os", widget="select", enumeration="static", enum_values=["linux"]
    )
    discovery = factories.entity(standalone, "discovery", os="windows")
    assert values_of(discovery)["os"] == ["windows"]


def test_duplicate_entity_name_is_refused(standalone):
    factories.entity(standalone, "discovery")
    with pytest.raises(ValidationError, match="standalone/discovery: an entity of this type"):
        factories.entity(standalone, "discovery")
    assert Entity.objects.filter(name="discovery").count() == 1


def test_bad_entity_name_is_refused(standalone):
    with pytest.raises(ValidationError, match="may hold only"):
        factories.entity(standalone, "../etc/passwd")


def test_table_row_with_unknown_column_is_refused(standalone):
    discovery = factories.entity(standalone, "discovery")
    with pytest.raises(ValidationError, match="row 1 has no column 'colour'"):
        services.do_set_values(discovery, tables={"CNAMES": [{"colour": "red"}]})


def test_every_change_is_logged_with_sequence_user_and_old_and_new_values(standalone):
    discovery = factories.entity(standalone, "discovery", room="EN1018")
    last = Change.objects.order_by("-seq").first().seq
    services.do_set_values(discovery, {"room": ["EN2036"], "cname": ["mail", "www"]}, user="alice")
    changes = list(Change.objects.filter(seq__gt=last))
    assert [c.seq for c in changes] == [last + 1, last + 2, last + 3]
    assert len({c.batch for c in changes}) == 1
    assert {(c.variable, c.indx, c.old_value, c.new_value, c.user) for c in changes} == {
        ("room", 1, "EN1018", "EN2036", "alice"),
        ("cname", 1, None, "mail", "alice"),
        ("cname", 2, None, "www", "alice"),
    }
    # Writing the same values again changes nothing and logs nothing.
    assert services.do_set_values(discovery, {"room": ["EN2036"]}) == 0
    assert Change.objects.filter(seq__gt=last).count() == 3


def test_deletions_are_logged(standalone):
    discovery = factories.entity(standalone, "discovery", room="EN1018")
    services.do_delete_entity(discovery, user="alice")
    last = Change.objects.order_by("-seq").first()
    assert (last.action, last.entity, last.user) == ("delete_entity", "discovery", "alice")
    assert not Value.objects.filter(entity__name="discovery").exists()


def test_entity_named_by_a_reference_cannot_be_deleted(standalone):
    factories.entity(standalone, "discovery", server="odie")
    odie = Entity.objects.get(name="odie")
    with pytest.raises(ValidationError, match="standalone/discovery.server"):
        services.do_delete_entity(odie)
    assert Entity.objects.filter(name="odie").exists()


def test_batch_edit_is_one_batch_over_every_entity(standalone):
    hosts = [factories.entity(standalone, f"pc{i}", server="odie") for i in range(5)]
    last = Change.objects.order_by("-seq").first().seq
    assert services.do_batch_edit(hosts, {"server": ["nermal"]}, user="bob") == 5
    changes = Change.objects.filter(seq__gt=last)
    assert {c.entity for c in changes} == {h.name for h in hosts}
    assert len({c.batch for c in changes}) == 1


def test_batch_edit_refuses_mixed_types(standalone):
    other = factories.entity_type("printer")
    with pytest.raises(ValidationError, match="one type only"):
        services.do_batch_edit(
            [factories.entity(standalone), factories.entity(other)], {"room": ["x"]}
        )


def test_variable_definitions_are_validated(standalone):
    with pytest.raises(ValidationError, match="regular expression"):
        factories.variable(standalone, "bad", regex="([")
    with pytest.raises(ValidationError, match="needs enum_type"):
        factories.variable(standalone, "bad", enumeration="entities")
    assert not standalone.variables.filter(name="bad").exists()


def test_deleting_a_type_in_use_by_a_reference_is_refused(standalone):
    server = standalone.variables.get(name="server").reference_type
    summary = services.type_deletion_summary(server)
    assert summary["referenced_by"] == ["standalone.server"]
    with pytest.raises(ValidationError, match="still referenced by standalone.server"):
        services.do_delete_type(server)


def test_deleting_a_type_logs_its_entities(db):
    printer = factories.entity_type("printer", room={})
    factories.entity(printer, "lj1", room="EN1018")
    services.do_delete_type(printer, user="root")
    actions = list(Change.objects.order_by("-seq").values_list("action", "entity")[:2])
    assert actions == [("delete_type", ""), ("delete_entity", "lj1")]


def test_activity_follows_a_variable_becoming_mandatory_or_being_deleted(standalone):
    discovery = factories.entity(
        standalone, "discovery", domain="cs.example.edu", ip_address="192.0.2.10"
    )
    discovery.refresh_from_db()
    assert discovery.active
    rack = factories.variable(standalone, "rack", mandatory=True)
    discovery.refresh_from_db()
    assert not discovery.active and entity_contents(discovery).missing == ["rack"]
    services.do_delete_variable(rack)
    discovery.refresh_from_db()
    assert discovery.active
    factories.variable(standalone, "room", mandatory=True)
    discovery.refresh_from_db()
    assert not discovery.active
    factories.variable(standalone, "room", mandatory=False)
    discovery.refresh_from_db()
    assert discovery.active


def test_a_unique_variable_refuses_a_value_another_entity_holds(standalone):
    services.do_save_variable(standalone, "ip_address", unique=True)
    factories.entity(standalone, "discovery", domain="cs.example.edu", ip_address="192.0.2.10")
    with pytest.raises(ValidationError) as refused:
        factories.entity(standalone, "discovery2", domain="cs.example.edu", ip_address="192.0.2.10")
    assert refused.value.message_dict["ip_address"] == [
        "standalone/discovery2: variable 'ip_address' value '192.0.2.10' is already held by "
        "standalone/discovery; it is unique within its type"
    ]
    assert not Entity.objects.filter(name="discovery2").exists()
    a = factories.entity(standalone, "a", domain="cs.example.edu", ip_address="192.0.2.11")
    b = factories.entity(standalone, "b", domain="cs.example.edu", ip_address="192.0.2.12")
    with pytest.raises(ValidationError, match="held by more than one of"):
        services.do_batch_edit([a, b], {"ip_address": ["192.0.2.13"]})
    # An entity keeps its own value, and another type may hold the same one (a MAC address:
    # an IP address is the host's own across types, workers.clashes).
    assert services.do_set_values(a, {"ip_address": ["192.0.2.11"], "room": ["EN1"]}) == 1
    services.do_save_variable(standalone, "mac_address", unique=True)
    services.do_set_values(a, {"mac_address": ["00:1a:2b:3c:4d:5e"]})
    other = factories.entity_type("printer", mac_address={"unique": True})
    factories.entity(other, "lp1", mac_address="00:1a:2b:3c:4d:5e")


def test_a_refused_secret_value_is_never_quoted(standalone):
    """A refusal reaches pages, the API, logs and importxml's report: a secret stays out."""
    services.do_save_variable(
        standalone, "iscsi_password", secret=True, unique=True, regex=r"[a-z]+"
    )
    discovery = factories.entity(standalone, "discovery", domain="cs.example.edu")
    with pytest.raises(ValidationError) as refused:
        services.do_set_values(discovery, {"iscsi_password": ["Hunter2!"]})
    [message] = refused.value.messages
    assert message.startswith(
        "standalone/discovery: variable 'iscsi_password' value (secret) is not"
    )
    assert "Hunter2" not in message
    services.do_set_values(discovery, {"iscsi_password": ["hunter"]})
    other = factories.entity(standalone, "other", domain="cs.example.edu")
    with pytest.raises(ValidationError) as refused:
        services.do_set_values(other, {"iscsi_password": ["hunter"]})
    assert refused.value.messages == [
        "standalone/other: variable 'iscsi_password' value (secret) is already held by "
        "standalone/discovery; it is unique within its type"
    ]
