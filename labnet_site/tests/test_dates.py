"""Every page shows a moment one way, ISO-like to the minute, and names the time zone once."""

from django.utils import timezone

from entities import services
from testing import factories
from workers.models import AgentHost
from workers.services import do_make_host_token, do_register


def test_the_change_log_and_the_agents_page_show_moments_alike(viewer, standalone):
    discovery = factories.entity(standalone, "discovery", domain="cs.example.edu")
    services.do_set_values(discovery, {"room": ["EN1018"]}, user="bob")
    do_make_host_token("odie")
    do_register(AgentHost.objects.get(name="odie"))
    registered = AgentHost.objects.get(name="odie").registered
    shown = timezone.localtime(registered).strftime("%Y-%m-%d %H:%M")
    for url in ("/changes/", "/agents/"):
        html = viewer.get(url).content.decode()
        assert shown in html, url
        assert "a.m." not in html and "p.m." not in html, url
        assert html.count("Times are shown as YYYY-MM-DD HH:MM in UTC") == 1, url
