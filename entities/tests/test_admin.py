import pytest
from django.contrib.auth.models import User

from entities.models import Change, Entity, Value
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
