"""Every page shows a moment one way, ISO-like to the minute, and names the time zone once."""

from datetime import UTC, datetime

from django.utils import timezone

from entities import services
from entities.models import Change
from testing import factories
from workers.models import AgentHost
from workers.services import do_make_host_token, do_register


def test_the_change_log_and_the_agents_page_show_moments_alike(viewer, standalone):
    discovery = factories.entity(standalone, "discovery", domain="cs.example.edu")
    services.do_set_values(discovery, {"room": ["EN1018"]}, user="bob")
    do_make_host_token("odie")
    do_register(AgentHost.objects.get(name="odie"))
    # The change and the registration pinned to one moment: made a moment apart, they could
    # fall on either side of a minute. An afternoon's, so a 12-hour clock would show.
    moment = datetime(2026, 3, 1, 14, 5, 30, tzinfo=UTC)
    Change.objects.update(timestamp=moment)
    AgentHost.objects.filter(name="odie").update(registered=moment)
    shown = timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
    for url in ("/changes/", "/agents/"):
        html = viewer.get(url).content.decode()
        assert shown in html, url
        assert "a.m." not in html and "p.m." not in html, url
        assert html.count("Times are shown as YYYY-MM-DD HH:MM in UTC") == 1, url
