"""Malformed form fields (ids, rows, sequence numbers that are not numbers) get a 400 with a
message, never a server error, and store nothing."""

import pytest
from django.urls import reverse

from entities.models import Change
from testing import factories

NOT_AN_ID = ["abc", "9" * 25, "-1", "1.5"]


@pytest.fixture
def ws1(standalone):
    return factories.entity(
        standalone,
        "ws1",
        server="odie",
        tables={"CNAMES": [{"cn_name": "www", "cn_domain": "cs.example.edu"}]},
    )


@pytest.mark.parametrize("field", ["entity", "entities"])
@pytest.mark.parametrize("value", NOT_AN_ID)
def test_a_batch_edit_of_an_entity_id_that_is_not_a_number(editor, ws1, field, value):
    answer = editor.post(
        reverse("entities:batch_edit", args=["standalone"]), {field: value, "show": "server"}
    )
    assert answer.status_code == 400
    assert f"{value!r} is not an entity id." in answer.content.decode().replace("&#x27;", "'")


@pytest.mark.parametrize("row", ["a:b", "1:b", f"{'9' * 25}:1", "1:-1"])
def test_a_table_batch_edit_of_a_row_that_is_not_entity_id_and_number(editor, ws1, row):
    url = reverse("entities:table_batch_edit", args=["standalone", "CNAMES"])
    answer = editor.post(url, {"row": row, "show": "cn_domain"})
    assert answer.status_code == 400
    assert "is not a row (entity id:row number)." in answer.content.decode()


@pytest.mark.parametrize("seq", ["abc", "1e3", "9" * 5000])
def test_a_modify_form_whose_seq_is_not_a_number(editor, ws1, seq):
    before = Change.objects.count()
    answer = editor.post("/entity/standalone/ws1/modify/", {"seq": seq, "v-room": "EN2036"})
    assert answer.status_code == 400
    assert "is not a change sequence number." in answer.content.decode()
    assert Change.objects.count() == before


def test_a_batch_apply_whose_seq_is_not_a_number(editor, ws1):
    answer = editor.post(
        reverse("entities:batch_edit", args=["standalone"]),
        {"entity": ws1.pk, "show": "server", "v-server": "nermal", "step": "apply", "seq": "x"},
    )
    assert answer.status_code == 400
    assert "&#x27;x&#x27; is not a change sequence number." in answer.content.decode()
