import pytest
from django.contrib.auth.models import User

from entities.models import Change, Entity, Value, VariableDefinition
from testing import factories


@pytest.fixture
def admin_client(client, standalone):
    User.objects.create_superuser("root", password="pw-labnet")
    client.login(username="root", password="pw-labnet")
    return client


@pytest.mark.parametrize(
    "model", ["entitytype", "variabledefinition", "entity", "value", "change", "changesequence"]
)
def test_every_model_has_an_admin_page(admin_client, model):
    factories.entity(factories.entity_type("printer", room={}), "lj1", room="EN1018")
    assert admin_client.get(f"/admin/entities/{model}/").status_code == 200


def test_admin_writes_go_through_the_service_layer(admin_client, standalone):
    response = admin_client.post(
        "/admin/entities/entity/add/",
        {
            "entity_type": standalone.pk,
            "name": "gasket",
            "values-TOTAL_FORMS": "0",
            "values-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    change = Change.objects.order_by("-seq").first()
    assert (change.action, change.entity, change.user) == ("create_entity", "gasket", "root")
    gasket = Entity.objects.get(name="gasket")
    bunting = factories.entity(standalone, "bunting", room="EN1018")
    value = Value.objects.get(entity=bunting, variable__name="room")
    response = admin_client.post(f"/admin/entities/value/{value.pk}/change/", {"value": "EN2036"})
    assert response.status_code == 302
    change = Change.objects.order_by("-seq").first()
    assert (change.old_value, change.new_value, change.user) == ("EN1018", "EN2036", "root")
    assert not gasket.active


def test_a_refused_variable_definition_is_a_message_and_nothing_is_stored(admin_client, standalone):
    before = Change.objects.count()
    response = admin_client.post(
        "/admin/entities/variabledefinition/add/",
        {
            "entity_type": standalone.pk,
            "name": "vlan",
            "widget": "select",
            "enumeration": "entities",  # without the enum_type it needs
            "enum_values": "[]",
            "display_order": "0",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "an enumeration of entities needs enum_type" in response.content.decode()
    assert not VariableDefinition.objects.filter(name="vlan").exists()
    assert Change.objects.count() == before


def test_removing_an_entity_still_named_by_others_is_a_message(admin_client, standalone):
    odie = Entity.objects.get(name="odie")
    factories.entity(standalone, "garfield", server="odie")
    response = admin_client.post(
        f"/admin/entities/entity/{odie.pk}/delete/", {"post": "yes"}, follow=True
    )
    assert "is still named by" in response.content.decode()
    assert Entity.objects.filter(name="odie").exists()
