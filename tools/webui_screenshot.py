"""A screenshot of the web demo (``tools/webui.py``) in headless Chromium: a crop of words
the model never saw is read, their characters are registered, and it is read again.

    python tools/webui_screenshot.py [--out webui.png] [--text 峠畑込] [--register 峠畑込]
        [--colors 256] [--chromium /usr/bin/chromium] [--chromedriver /usr/bin/chromedriver]
        [tools/webui.py's options: --checkpoint, --config, --data, --dict-dir, ...]

The web demo runs in this process, with ``tools/webui.py``'s options (by default the
demo checkpoint), on 127.0.0.1 and a free port (unless ``--port``); Chromium is driven through
Selenium (the ``webui`` requirements; Debian's ``chromium`` + ``chromium-driver``). The
browser test (``tests/test_webui_browser.py``) drives the page with the same functions.
"""
from __future__ import annotations

import argparse
import importlib.util
import io
import os.path as osp
import socket
import sys
import tempfile

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)  # the repository root

CHROMIUM = '/usr/bin/chromium'
CHROMEDRIVER = '/usr/bin/chromedriver'
#: A quiet, sandbox-free headless Chromium that opens no connection of its own (without
#: the background-networking flags its own connections are refused many at a time).
CHROMIUM_FLAGS = ('--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
                  '--no-first-run', '--disable-background-networking',
                  '--disable-component-update', '--disable-sync',
                  '--disable-dev-shm-usage')
#: Browser window (width, height) in CSS pixels: the whole page after a reading.
WINDOW = (1400, 1200)
#: Seconds any single wait may take (page load, a reading, a registration).
WAIT_S = 40
EXPERTS = ('hori', 'vert', 'rect')


def save_screenshot(driver, path: str, colors: int = 256) -> None:
    """Save the browser window as a PNG at ``path``, with a palette of ``colors`` colours
    (a third of the full-colour size; 0: full colour)."""
    from PIL import Image
    image = Image.open(io.BytesIO(driver.get_screenshot_as_png())).convert('RGB')
    if colors:
        image = image.quantize(colors, method=Image.Quantize.MEDIANCUT,
                               dither=Image.Dither.NONE)
    image.save(path, optimize=True)


def choose(driver, elem_id: str, value: str) -> None:
    """Pick ``value`` in the page's dropdown ``elem_id`` (open it, click the option)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    driver.find_element(By.CSS_SELECTOR, f'#{elem_id} input').click()
    option = WebDriverWait(driver, WAIT_S).until(lambda d: next(
        (o for o in d.find_elements(By.CSS_SELECTOR, '[role=listbox] [role=option]')
         if o.text.strip() == value), None))
    option.click()


def load_webui():
    """``tools/webui.py`` as a module (the ``tools`` folder is not a package)."""
    spec = importlib.util.spec_from_file_location('wna_tool_webui',
                                                  osp.join(ROOT, 'tools', 'webui.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """``tools/webui.py``'s options (``--port`` defaults to a free one) and this tool's."""
    parser = argparse.ArgumentParser(
        description='Screenshot of the web demo (tools/webui.py) in headless Chromium',
        parents=[load_webui().build_parser(add_help=False)])
    parser.add_argument('--out', default='webui.png', help='PNG to write (default webui.png)')
    parser.add_argument('--text', default='峠畑込', help='text of the crop read (rendered '
                        'with Noto Sans CJK; default: three kanji outside the demo\'s '
                        'dictionaries)')
    parser.add_argument('--register', default='峠畑込',
                        help='characters registered before reading again (default 峠畑込)')
    parser.add_argument('--colors', type=int, default=256,
                        help='palette size of the PNG (default 256; 0: full colour)')
    parser.add_argument('--chromium', default=CHROMIUM, help=f'browser (default {CHROMIUM})')
    parser.add_argument('--chromedriver', default=CHROMEDRIVER,
                        help=f'its WebDriver (default {CHROMEDRIVER})')
    parser.set_defaults(port=None)
    return parser.parse_args(argv)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 just now."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def render_crop(text: str, path: str, size: int = 36) -> str:
    """``text`` in Noto Sans CJK, dark on light, as a horizontal PNG crop at ``path``."""
    from PIL import Image, ImageDraw, ImageFont

    from projects.wna.charset import default_font_path
    font = ImageFont.truetype(default_font_path(), size)
    left, top, right, bottom = font.getbbox(text)
    pad = size // 4
    image = Image.new('RGB', (right - left + 2 * pad, bottom - top + 2 * pad), (235,) * 3)
    ImageDraw.Draw(image).text((pad - left, pad - top), text, fill=(20,) * 3, font=font)
    image.save(path)
    return path


def open_chromium(profile_dir: str, log_file: str, chromium: str = CHROMIUM,
                  chromedriver: str = CHROMEDRIVER):
    """A headless Chromium (:data:`CHROMIUM_FLAGS`, a fresh profile in ``profile_dir``)
    driven by ``chromedriver`` (its log in ``log_file``); ``quit()`` it when done."""
    from selenium import webdriver
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f'--user-data-dir={profile_dir}')
    options.add_argument(f'--window-size={WINDOW[0]},{WINDOW[1]}')
    service = webdriver.ChromeService(executable_path=chromedriver, log_output=log_file)
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(WAIT_S)
    return driver


def field(driver, elem_id: str) -> str:
    """The value of the page's text box ``elem_id``."""
    from selenium.webdriver.common.by import By
    return driver.find_element(By.CSS_SELECTOR, f'#{elem_id} textarea').get_attribute('value')


def text_of(driver, elem_id: str) -> str:
    """The visible text of the page's element ``elem_id``."""
    from selenium.webdriver.common.by import By
    return driver.find_element(By.ID, elem_id).text


def open_page(driver, url: str) -> None:
    """Load the web demo and wait for its upload field."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait
    driver.get(url)
    WebDriverWait(driver, WAIT_S).until(ec.presence_of_element_located(
        (By.CSS_SELECTOR, '#crop input[type=file]')))


def upload(driver, path: str) -> None:
    """Upload the crop at ``path`` and wait until it is read (the chosen expert shows)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    driver.find_element(By.CSS_SELECTOR, '#crop input[type=file]').send_keys(path)
    WebDriverWait(driver, WAIT_S).until(lambda d: field(d, 'expert') in EXPERTS)


def register(driver, chars: str) -> None:
    """Type ``chars`` into the registration box, press its button and wait until the
    crop is read again with them."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    driver.find_element(By.CSS_SELECTOR, '#chars textarea').send_keys(chars)
    driver.find_element(By.ID, 'register').click()
    WebDriverWait(driver, WAIT_S).until(
        lambda d: 'registered' in text_of(d, 'used-dictionary')
        and 'Rendered with' in text_of(d, 'registration'))


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    for path in (args.chromium, args.chromedriver):
        if not osp.isfile(path):
            raise FileNotFoundError(f'{path} not found (Debian: apt-get install chromium '
                                    'chromium-driver)')
    if args.port is None:
        args.port = free_port()
    app = load_webui().start(args)
    try:
        with tempfile.TemporaryDirectory(prefix='wna_webui_shot_') as tmp:
            driver = open_chromium(osp.join(tmp, 'profile'), osp.join(tmp, 'driver.log'),
                                   args.chromium, args.chromedriver)
            try:
                open_page(driver, app.local_url)
                upload(driver, render_crop(args.text, osp.join(tmp, 'crop.png')))
                print(f'[webui_screenshot] read {field(driver, "reading")!r}')
                if args.register:
                    register(driver, args.register)
                    print(f'[webui_screenshot] with {args.register!r} registered: '
                          f'{field(driver, "reading")!r}')
                save_screenshot(driver, args.out, args.colors)
            finally:
                driver.quit()
    finally:
        app.close()
    print(f'[webui_screenshot] wrote {args.out}')


if __name__ == '__main__':
    from projects.wna.apis.cli import run_main

    sys.exit(run_main(main))
