"""The Rsync Info Editor in headless chromium: the guide's example (section 3.1), moving scout
and keeper from diskless_dbgen32_test_1 to diskless_dbgen32_prod_1 under ratchet, then the
dates view and scout's own view. Screenshots go to test-output/browser/."""

import pytest

from imaging.rsync_config import configuration
from testing.browser import shot, sign_in

from .conftest import PROD_IMAGE, TEST_IMAGE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_moving_scout_and_keeper_to_prod_under_ratchet(page, guide_example):
    sign_in(page, "editor")
    page.goto("/imaging/rsync/")
    page.click(f"tr:has-text('{TEST_IMAGE}') >> text=tree")
    page.select_option("select[name=to]", PROD_IMAGE)
    page.click("button:has-text('Show')")
    page.check("input[name=move][value='scout:1']")
    page.check("input[name=move][value='keeper:1']")
    page.check("input[name=parent][value='ratchet|/mnt/dbgen32/diskless']")
    shot(page, "rsync-move")
    page.click("button:has-text('Submit Change')")
    assert page.is_visible(f"text=keeper, scout now receive {PROD_IMAGE} from ratchet")
    assert page.locator("input[name=move]").count() == 1  # ratchet alone is left in test_1
    sources = {r.server: r.src for r in configuration().rows if r.server in ("scout", "keeper")}
    assert sources == {"scout": "/mnt/dbgen32/diskless", "keeper": "/mnt/dbgen32/diskless"}

    page.goto(f"/imaging/rsync/image/{PROD_IMAGE}/dates/")
    assert page.locator("button.rs-off").inner_text() == "odie"
    page.click("button.rs-host:has-text('scout')")
    assert page.locator("button.rs-off").all_inner_texts() == ["odie", "scout"]
    shot(page, "rsync-dates")

    page.goto("/imaging/rsync/server/scout/")
    assert page.is_visible("text=ratchet:/mnt/dbgen32/diskless ← crank:/mnt/dbgen32/diskless")
    page.click(f"a.image:has-text('{PROD_IMAGE}')")
    page.wait_for_url(f"**/imaging/rsync/image/{PROD_IMAGE}/")
    shot(page, "rsync-server")
