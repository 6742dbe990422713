"""Names become mirror and master-store paths: one starting with a dot is refused everywhere,
so ".", "..", ".git", ".var_defs" and the agent's ".agent" folder stay out of reach."""

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from entities import services
from entities.importing import MirrorImportError, do_load_mirror
from entities.mirror import (
    MirrorEntityType,
    MirrorError,
    MirrorVariableDefinition,
    iter_mirror,
    read_var_defs_file,
)
from entities.models import EntityType
from testing import factories, hosts

DOT_NAMES = [".", "..", ".git", ".agent", ".var_defs"]


@pytest.mark.parametrize("name", DOT_NAMES)
def test_entity_type_and_variable_names_may_not_start_with_a_dot(db, name):
    server = hosts.host_type("server")
    with pytest.raises(ValidationError, match="may not start with a dot"):
        services.do_create_entity(server, name, user="tests")
    with pytest.raises(ValidationError, match="may not start with a dot"):
        services.do_create_type(name, user="tests")
    with pytest.raises(ValidationError, match="may not start with a dot"):
        services.do_save_variable(server, name, user="tests")
    with pytest.raises(ValidationError, match="may not start with a dot"):
        services.do_save_variable(server, "col", table=name, user="tests")


def test_names_with_a_dot_inside_are_still_names(db):
    server = hosts.host_type("server")
    assert services.do_create_entity(server, "odie.cs.mun.ca", user="tests").name


def test_editor_cannot_create_a_file_named_dot_git_through_the_api(db):
    hosts.file_manager_type()
    api = APIClient()
    api.force_authenticate(factories.user("editor"))
    values = {"path": ["/etc/x"], "owner": ["root"], "group": ["root"], "mode": ["0644"]}
    answer = api.post(
        "/api/v1/entities/", {"type": "fileMgr", "name": ".git", "values": values}, format="json"
    )
    assert answer.status_code == 400
    assert "may not start with a dot" in str(answer.json())


def test_reference_in_var_defs_may_not_leave_the_mirror(tmp_path):
    defs = tmp_path / ".var_defs"
    defs.mkdir()
    (defs / "server").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<entity_type name="server">\n'
        '  <variable name="owner" reference="../../../tmp/escaped"/>\n'
        "</entity_type>\n"
    )
    with pytest.raises(MirrorError) as refused:
        read_var_defs_file(defs / "server")
    assert str(refused.value).startswith(f"{defs / 'server'}:3: reference")
    with pytest.raises(MirrorError):
        list(iter_mirror(tmp_path))


def test_import_creates_no_type_named_by_a_bad_reference(db):
    server = MirrorEntityType(
        "server",
        variables=[
            MirrorVariableDefinition("owner", reference_type="../escaped"),
            MirrorVariableDefinition("kind", enumeration="entities", enum_type=".agent"),
        ],
    )
    with pytest.raises(MirrorImportError) as refused:
        do_load_mirror([server], user="tests")
    assert "'../escaped'" in str(refused.value) and "'.agent'" in str(refused.value)
    assert not EntityType.objects.exists()
