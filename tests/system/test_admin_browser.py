"""A person's view of the staff admin: headless Debian Chromium (driven by Selenium through
Debian's chromedriver, so nothing is downloaded) logs in, opens a candidate's stream viewer
and saves a screenshot.

The server is Django's own threaded live server on 127.0.0.1, started here rather than with
pytest-django's ``live_server`` fixture: that fixture switches the test to ``transactional_db``,
which flushes the shared test database (read tables, projection positions) afterwards.
"""

from __future__ import annotations

import struct
import tempfile
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from jobraker.accounts.models import Account, Role

from ..api_helpers import PASSWORD, operator, signed_in
from ..conftest import unique_email
from ..live_servers import django_live_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def server_url():  # type: ignore[no-untyped-def]
    with django_live_server() as origin:
        yield origin


@pytest.fixture
def chromium():  # type: ignore[no-untyped-def]
    # A missing browser is a failure, not a skip: .ci/run installs Debian's chromium and chromium-driver.
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: apt-get install -y chromium chromium-driver"
    assert CHROMEDRIVER.exists(), f"{CHROMEDRIVER} is missing: apt-get install -y chromium-driver"
    with tempfile.TemporaryDirectory(prefix="jobraker-chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-dev-shm-usage", "--window-size=1400,1000", f"--user-data-dir={profile}"):
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # CSP violations are console errors
        driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
        driver.set_page_load_timeout(30)
        try:
            yield driver
        finally:
            driver.quit()


def test_staff_logs_in_and_sees_a_candidates_stream(server_url, chromium, live_projector, tmp_path):
    _, candidate, _ = signed_in(name="Browser Viewed", verified=False)
    staff_email = unique_email("staff")
    Account.objects.create_user(staff_email, PASSWORD, role=Role.STAFF, is_staff=True)

    chromium.get(f"{server_url}/admin/login/?next=/admin/")
    chromium.find_element(By.NAME, "username").send_keys(staff_email)
    chromium.find_element(By.NAME, "password").send_keys(PASSWORD)
    chromium.find_element(By.CSS_SELECTOR, "form [type=submit]").click()
    WebDriverWait(chromium, 20).until(expected_conditions.url_to_be(f"{server_url}/admin/"))

    chromium.get(f"{server_url}/admin/streams/{candidate['id']}/")
    rows = WebDriverWait(chromium, 20).until(
        expected_conditions.presence_of_all_elements_located((By.CSS_SELECTOR, "table tbody tr"))
    )
    page = chromium.find_element(By.TAG_NAME, "body").text
    assert f"Event stream {candidate['id']}" in page
    assert "Candidate.Registered" in rows[0].text
    assert "Browser Viewed" in page  # the decrypted personal field, shown to staff
    assert "No events." not in page
    assert "argon2" not in page and "(withheld: secret)" in page  # the password hash is never shown

    screenshot = tmp_path / "stream-viewer.png"
    assert chromium.save_screenshot(str(screenshot))
    width, height = _png_size(screenshot.read_bytes())
    assert (width, height) == tuple(chromium.execute_script("return [window.innerWidth, window.innerHeight]"))
    assert screenshot.stat().st_size > 20_000  # a rendered page, not a blank image


def test_pages_run_their_scripts_under_the_content_security_policy(server_url, chromium, live_projector):
    """No 'unsafe-inline' for scripts: jazzmin's inline scripts run because their hashes are
    allowed, Swagger UI loads its set-up script as a file, and the browser reports no violation."""
    staff_email = unique_email("staff")
    Account.objects.create_user(staff_email, PASSWORD, role=Role.STAFF, is_staff=True)
    chromium.get(f"{server_url}/admin/login/?next=/admin/")
    assert chromium.execute_script("return document.documentElement.getAttribute('data-bs-theme')") == "light"
    chromium.find_element(By.NAME, "username").send_keys(staff_email)
    chromium.find_element(By.NAME, "password").send_keys(PASSWORD)
    chromium.find_element(By.CSS_SELECTOR, "form [type=submit]").click()
    WebDriverWait(chromium, 20).until(expected_conditions.url_to_be(f"{server_url}/admin/"))
    assert chromium.execute_script("return document.documentElement.getAttribute('data-bs-theme')") == "light"
    chromium.get(f"{server_url}/admin/projections/candidaterecord/")
    assert chromium.execute_script("return window.filterInputLengthDefault") == 0
    chromium.get(f"{server_url}/admin/password_change/")
    WebDriverWait(chromium, 20).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "span.text-red"))  # its inline script ran
    )
    chromium.get(f"{server_url}/api/docs/")
    operations = WebDriverWait(chromium, 30).until(
        expected_conditions.presence_of_all_elements_located((By.CSS_SELECTOR, ".swagger-ui .opblock"))
    )
    assert len(operations) > 20  # the schema was fetched and every operation drawn
    violations = [entry["message"] for entry in chromium.get_log("browser") if "Content Security Policy" in entry["message"]]
    # jazzmin links a Google Fonts stylesheet; nothing loads from another origin, so it is blocked
    # on purpose (the pages fall back to a local font). Nothing else may be.
    assert [v for v in violations if "https://fonts.googleapis.com/" not in v] == []


def test_readers_never_see_a_password_hash(live_projector):
    """Staff and auditors read personal data (recorded as access), but never a password hash:
    whoever holds one can guess the password offline."""
    _, candidate, _ = signed_in(name="Hash Holder", verified=False)
    auditor = operator(Role.AUDITOR)
    events = auditor.get(f"/api/v1/audit/streams/{candidate['id']}/events").json()["events"]
    registered = next(e for e in events if e["type"] == "Candidate.Registered")
    assert registered["data"]["name"] == "Hash Holder"
    assert registered["data"]["password_hash"] == "(withheld: secret)"
    state = auditor.get(f"/api/v1/audit/streams/{candidate['id']}/state").json()["state"]
    assert state["name"] == "Hash Holder" and state["password_hash"] == "(withheld: secret)"


def _png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(PNG_SIGNATURE), "not a PNG file"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])
