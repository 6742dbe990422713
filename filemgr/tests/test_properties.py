"""Properties over generated templates: literal text renders to itself, rendering is
deterministic and every source gives the same file."""

from __future__ import annotations

from xml.sax.saxutils import escape

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from filemgr.templating import MirrorSource, SnapshotSource, compile_template

from .conftest import CAMPUS, write_mirror

# Characters XML can carry (no control characters; \r would be normalised to \n).
xml_text = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff")
    | st.sampled_from("\n\t"),
    max_size=60,
)


# No deadline: on a loaded machine one example's time says nothing about the engine.
@settings(deadline=None)
@given(xml_text.filter(lambda t: t.strip()))
def test_template_text_renders_to_itself(text):
    template = f"<Template>\n{escape(text)}</Template>"
    assert compile_template(template).render(SnapshotSource(CAMPUS), "hogwarts", "client") == text


@settings(deadline=None)
@given(xml_text)
def test_literal_renders_to_itself(text):
    template = f"<Template><literal>{escape(text)}</literal></Template>"
    assert compile_template(template).render(SnapshotSource(CAMPUS), "hogwarts", "client") == text


names = st.sampled_from(["kernel", "dept", "functions", "domain", "access_users", "nothing"])
leaves = st.one_of(
    xml_text.filter(lambda t: t.strip()).map(escape),
    st.builds(lambda t: f"<literal>{escape(t)}</literal>", xml_text),
    names.map(lambda n: f"<varVal>{n}</varVal>"),
    names.map(lambda n: f"<varVal><type>server</type><entity>odie</entity>{n}</varVal>"),
    st.just("<getentitylist>server</getentitylist>"),
    st.just("<self/>"),
)


def combine(children):
    body = st.lists(children, min_size=1, max_size=3).map("".join)
    return st.one_of(
        body.map(lambda b: f"<cat>{b}</cat>"),
        body.map(lambda b: f"<line>{b}<ts>10</ts>|</line>"),
        body.map(lambda b: f"<sorted>{b}</sorted>"),
        body.map(lambda b: f"<unique>{b}</unique>"),
        body.map(lambda b: f"<numStrings>{b}</numStrings>"),
        body.map(lambda b: f"<if><cat>{b}</cat><then>{b}</then><else>-</else></if>"),
        body.map(
            lambda b: f"<iterateOverLists><iteratorList>{b}</iteratorList>"
            f"<item/>,<numStrings>{b}</numStrings></iterateOverLists>"
        ),
    )


templates = st.recursive(leaves, combine, max_leaves=12).map(lambda b: f"<Template>{b}</Template>")


@settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=60, deadline=None
)
@given(templates)
def test_rendering_is_deterministic_and_sources_agree(tmp_path_factory, template):
    directory = write_mirror(tmp_path_factory.mktemp("mirror"))
    outputs = {
        compile_template(template).render(source, "rook", "client")
        for source in (SnapshotSource(CAMPUS), MirrorSource(directory), SnapshotSource(CAMPUS))
    }
    assert len(outputs) == 1
