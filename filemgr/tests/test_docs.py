"""Every example in docs/template-language.md renders to the output printed under it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from filemgr.templating import SnapshotSource, compile_template

from .conftest import CAMPUS

DOC = Path(__file__).resolve().parents[2] / "docs" / "template-language.md"
EXAMPLES = re.findall(r"```xml\n(.*?)```\n```text\n(.*?)```", DOC.read_text(), re.DOTALL)


def test_every_element_has_an_example():
    from filemgr.templating.elements import ELEMENTS

    shown = "".join(template for template, _ in EXAMPLES)
    assert [tag for tag in ELEMENTS if f"<{tag}" not in shown] == []


@pytest.mark.parametrize("template,output", EXAMPLES)
def test_example(template, output):
    rendered = compile_template(template).render(SnapshotSource(CAMPUS), "hogwarts", "client")
    assert rendered + "\n" == output
