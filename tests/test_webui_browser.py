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

import numpy as np
import pytest
from conftest import BASE_CHARS, load_tool, write_web_demo_setup
from PIL import Image

from projects.wna.charset import UNKNOWN_CHAR, split_graphemes
from projects.wna.datasets.lmdb_io import write_lmdb

shot = load_tool('webui_screenshot')
webui = load_tool('webui')

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not all(os.access(p, os.X_OK) for p in (shot.CHROMIUM,
                                                               shot.CHROMEDRIVER)),
                       reason=f'needs {shot.CHROMIUM} and {shot.CHROMEDRIVER} (Debian: '
                       'apt-get install chromium chromium-driver; tools/install.sh does it '
                       'in CI)'),
]
pytest.importorskip('gradio', reason='needs the webui extra (gradio)')
pytest.importorskip('selenium', reason='needs selenium (requirements-webui.txt)')
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@pytest.fixture
def server(model_files, tmp_path, monkeypatch):
    """The web demo on a free loopback port: the test checkpoint, its base dictionary as
    the config's default and, to pick from, a Latin one, and an example LMDB of a wide, a
    tall and a square crop."""
    # what the web demo would set for the rest of the session
    monkeypatch.setenv('WNA_DEMO_DATA', str(tmp_path))
    monkeypatch.setenv('GRADIO_ANALYTICS_ENABLED', 'False')
    config, dicts = write_web_demo_setup(tmp_path, model_files)
    rng = np.random.default_rng(0)
    records = []
    for h, w in ((20, 90), (90, 20), (30, 32)):
        png = tmp_path / f'example_{h}x{w}.png'
        Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)).save(png)
        records.append((png.read_bytes(), 'abc'))
    write_lmdb(tmp_path / 'examples', records)
    app = webui.start(webui.parse_args([
        '--config', config, '--checkpoint', model_files['checkpoint'], '--dict-dir',
        str(dicts), '--examples', str(tmp_path / 'examples'), '--port', str(shot.free_port())]))
    try:
        yield app
    finally:
        app.close()


@pytest.fixture
def browser(tmp_path):
    driver = shot.open_chromium(str(tmp_path / 'chromium_profile'),
                                str(tmp_path / 'chromedriver.log'))
    try:
        yield driver
    finally:
        driver.quit()


def test_web_demo_reads_and_registers_in_chromium(server, browser, tmp_path):
    assert server.server_name == '127.0.0.1'
    assert server.local_url.startswith('http://127.0.0.1:')
    shot.open_page(browser, server.local_url)
    # the three example crops (wide, tall, square) of the LMDB
    examples = browser.find_elements(By.CSS_SELECTOR, '.gallery img')
    assert len(examples) == 3, browser.find_element(By.TAG_NAME, 'body').text

    # upload a crop: the reading, expert, router probabilities, scores and attention maps
    shot.upload(browser, shot.render_crop('abc日', str(tmp_path / 'word.png')))
    chars = split_graphemes(shot.field(browser, 'reading'))
    labels = {c.lower() for c in BASE_CHARS} | set(BASE_CHARS) | {UNKNOWN_CHAR}
    assert chars and set(chars) <= labels, chars
    router = shot.text_of(browser, 'router')
    assert all(name in router for name in shot.EXPERTS), router
    cells = browser.find_elements(By.CSS_SELECTOR, '#scores [role=gridcell][data-col="1"]')
    assert [cell.text for cell in cells] == chars
    assert browser.find_element(By.CSS_SELECTOR, '#attention img').get_attribute('src')
    used = shot.text_of(browser, 'used-dictionary')
    assert f'config default: {len(BASE_CHARS)} characters' in used, used

    # register two unseen kanji and a character the font cannot draw (Tibetan): read again
    shot.register(browser, '峠畑ཀ')
    registration = shot.text_of(browser, 'registration')
    assert 'added 峠畑' in registration and 'cannot draw ཀ' in registration, registration
    used = shot.text_of(browser, 'used-dictionary')
    assert f'(+2 registered): {len(BASE_CHARS) + 2} characters' in used, used
    assert shot.field(browser, 'expert') in shot.EXPERTS

    # another dictionary from the picker: read again with it, the registration kept
    shot.choose(browser, 'dictionary', 'latin')
    WebDriverWait(browser, shot.WAIT_S).until(
        lambda d: 'latin' in shot.text_of(d, 'used-dictionary'))
    assert shot.text_of(browser, 'used-dictionary') == \
        'Dictionary latin (+2 registered): 5 characters.'
    chars = split_graphemes(shot.field(browser, 'reading'))
    assert set(chars) <= set('xyz峠畑') | {UNKNOWN_CHAR}, chars

    png = tmp_path / 'webui.png'
    shot.save_screenshot(browser, str(png))
    assert png.stat().st_size > 10_000
    if os.environ.get('WNA_SCREENSHOT_DIR'):
        os.makedirs(os.environ['WNA_SCREENSHOT_DIR'], exist_ok=True)
        shutil.copy(png, os.path.join(os.environ['WNA_SCREENSHOT_DIR'], 'webui.png'))
