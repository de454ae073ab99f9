"""The web demo (``tools/webui.py``) driven in a real browser: headless Chromium (Debian's
``chromium`` + ``chromium-driver``) through Selenium.

It serves a random-weight demo-width model on a free loopback port, uploads a crop,
registers characters and checks what the page shows; a screenshot of the page is written
to the test's temporary folder and, when ``WNA_SCREENSHOT_DIR`` is set, there too
(docs/webui.md). Skipped, with the reason, without Chromium, its driver, Gradio or
Selenium (``tools/install.sh`` installs them in CI).
"""
from __future__ import annotations

import os
import shutil
import socket

import numpy as np
import pytest
from conftest import BASE_CHARS, DEMO_CONFIG, load_tool
from PIL import Image, ImageDraw, ImageFont

from projects.wna.charset import UNKNOWN_CHAR, default_font_path, split_graphemes
from projects.wna.datasets.lmdb_io import write_lmdb

CHROMIUM = '/usr/bin/chromium'
CHROMEDRIVER = '/usr/bin/chromedriver'
#: Flags of a quiet, sandbox-free headless Chromium that opens no connection of its own.
CHROMIUM_FLAGS = ('--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
                  '--no-first-run', '--disable-background-networking',
                  '--disable-component-update', '--disable-sync',
                  '--disable-dev-shm-usage', '--window-size=1400,1500')
#: Seconds any single wait of the test may take (page load, a reading, registration).
WAIT_S = 40
EXPERTS = ('hori', 'vert', 'rect')

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)),
                       reason=f'needs {CHROMIUM} and {CHROMEDRIVER} (Debian: apt-get install '
                       'chromium chromium-driver; tools/install.sh does it in CI)'),
]
gr = pytest.importorskip('gradio', reason='needs the webui extra (gradio)')
webdriver = pytest.importorskip('selenium.webdriver', reason='needs selenium')
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

webui = load_tool('webui')


def crop_png(path, text: str, size: int = 36) -> str:
    """``text`` in Noto Sans CJK, dark on light, as a PNG crop."""
    font = ImageFont.truetype(default_font_path(), size)
    left, top, right, bottom = font.getbbox(text)
    pad = size // 4
    image = Image.new('RGB', (right - left + 2 * pad, bottom - top + 2 * pad), (235,) * 3)
    ImageDraw.Draw(image).text((pad - left, pad - top), text, fill=(20,) * 3, font=font)
    image.save(path)
    return str(path)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.fixture
def server(model_files, tmp_path):
    """The web demo on a free loopback port: the test checkpoint, its base dictionary as
    the config's default, and an example LMDB of a wide, a tall and a square crop."""
    dicts = tmp_path / 'dicts'
    dicts.mkdir()
    shutil.copy(model_files['dict'], dicts / 'base.npz')
    config = tmp_path / 'wna_child.py'
    config.write_text(f'_base_ = [{DEMO_CONFIG!r}]\n'
                      f'model = dict(default_charset={str(dicts / "base.npz")!r})\n')
    rng = np.random.default_rng(0)
    records = []
    for h, w in ((20, 90), (90, 20), (30, 32)):
        png = tmp_path / f'example_{h}x{w}.png'
        Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)).save(png)
        records.append((png.read_bytes(), 'abc'))
    write_lmdb(tmp_path / 'examples', records)
    app = webui.start(['--config', str(config), '--checkpoint', model_files['checkpoint'],
                       '--dict-dir', str(dicts), '--examples', str(tmp_path / 'examples'),
                       '--port', str(free_port())])
    try:
        yield app
    finally:
        app.close()


@pytest.fixture
def browser(tmp_path):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f'--user-data-dir={tmp_path / "chromium_profile"}')
    service = webdriver.ChromeService(executable_path=CHROMEDRIVER,
                                      log_output=str(tmp_path / 'chromedriver.log'))
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(WAIT_S)
    try:
        yield driver
    finally:
        driver.quit()


def field(driver, elem_id: str) -> str:
    """The value of the text box ``elem_id``."""
    return driver.find_element(By.CSS_SELECTOR, f'#{elem_id} textarea').get_attribute('value')


def test_web_demo_reads_and_registers_in_chromium(server, browser, tmp_path):
    assert server.server_name == '127.0.0.1'
    assert server.local_url.startswith('http://127.0.0.1:')
    wait = WebDriverWait(browser, WAIT_S)
    browser.get(server.local_url)
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, '#crop input[type=file]')))
    # three example crops (wide, tall, square) from the LMDB
    assert len(browser.find_elements(By.CSS_SELECTOR, '.gallery-item, button.gallery-item,'
                                     ' [data-testid=examples] img, .examples img')) >= 3

    # upload a crop: the reading, expert, router probabilities, scores and attention maps
    crop = crop_png(tmp_path / 'word.png', 'abc日')
    browser.find_element(By.CSS_SELECTOR, '#crop input[type=file]').send_keys(crop)
    wait.until(lambda d: field(d, 'expert') in EXPERTS)
    text = field(browser, 'reading')
    chars = split_graphemes(text)
    labels = {c.lower() for c in BASE_CHARS} | set(BASE_CHARS) | {UNKNOWN_CHAR}
    assert chars and set(chars) <= labels, text
    router = browser.find_element(By.ID, 'router').text
    assert all(name in router for name in EXPERTS), router
    cells = browser.find_elements(By.CSS_SELECTOR, '#scores [role=gridcell][data-col="1"]')
    assert [cell.text for cell in cells] == chars
    assert browser.find_element(By.CSS_SELECTOR, '#attention img').get_attribute('src')
    used = browser.find_element(By.ID, 'used-dictionary').text
    assert f'{len(BASE_CHARS)} characters' in used, used

    # register two unseen kanji and one character the font cannot draw (Tibetan), read
    # again
    box = browser.find_element(By.CSS_SELECTOR, '#chars textarea')
    box.send_keys('峠畑ཀ')
    browser.find_element(By.ID, 'register').click()
    wait.until(lambda d: 'added' in d.find_element(By.ID, 'registration').text)
    registration = browser.find_element(By.ID, 'registration').text
    assert 'added 峠畑' in registration and 'cannot draw' in registration, registration
    wait.until(lambda d: '+2 registered' in d.find_element(By.ID, 'used-dictionary').text)
    used = browser.find_element(By.ID, 'used-dictionary').text
    assert f'{len(BASE_CHARS) + 2} characters' in used, used
    assert field(browser, 'expert') in EXPERTS

    shot = tmp_path / 'webui.png'
    browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000
    if os.environ.get('WNA_SCREENSHOT_DIR'):
        os.makedirs(os.environ['WNA_SCREENSHOT_DIR'], exist_ok=True)
        shutil.copy(shot, os.path.join(os.environ['WNA_SCREENSHOT_DIR'], 'webui.png'))
