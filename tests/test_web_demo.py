# Copyright (c) mmext contributors. Licensed under the Apache License 2.0 (LICENSE).
"""tools/demo/web_demo.py: the HTTP API, and the page driven end to end in headless Chromium (Selenium)."""

import importlib.util
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

import cv2
import pytest
from conftest import QUICKSTART_CONFIG, REPO, run_tool

from mmext.datasets.dresscode_meta import NUM_KEYPOINTS

CHROMIUM = shutil.which('chromium') or shutil.which('chromium-browser')
CHROMEDRIVER = shutil.which('chromedriver')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.fixture(scope='module')
def demo_url(quickstart_checkpoint, tmp_path_factory):
    """The demo serving the (randomly initialised) quickstart model on a free localhost port."""
    port = free_port()
    log_path = tmp_path_factory.mktemp('web_demo') / 'server.log'
    log = open(log_path, 'w')
    server = subprocess.Popen(
        [sys.executable, 'tools/demo/web_demo.py', QUICKSTART_CONFIG, str(quickstart_checkpoint), '--port', str(port)],
        cwd=REPO,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=dict(os.environ, PYTHONUNBUFFERED='1'),
    )
    url = f'http://127.0.0.1:{port}'
    deadline = time.time() + 300
    try:
        while True:
            try:
                urllib.request.urlopen(url + '/api/info', timeout=5)
                break
            except (urllib.error.URLError, ConnectionError):
                if server.poll() is not None or time.time() > deadline:
                    raise AssertionError(f'the demo server did not start:\n{log_path.read_text()[-4000:]}')
                time.sleep(1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def post_image(url: str, name: str, data: bytes, aux: bool = True):
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="aux"\r\n\r\n{str(aux).lower()}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="{name}"\r\n'
            'Content-Type: application/octet-stream\r\n\r\n'
        ).encode()
        + data
        + f'\r\n--{boundary}--\r\n'.encode()
    )
    request = urllib.request.Request(
        url + '/api/segment',
        data=body,
        method='POST',
        headers={'Content-Type': f'multipart/form-data; boundary={boundary}'},
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def check_consistent(result: dict, height: int, width: int) -> None:
    """The numbers a person reads on the page add up."""
    assert (result['height'], result['width']) == (height, width)
    assert sum(area['pixels'] for area in result['class_areas']) == height * width
    assert abs(sum(area['fraction'] for area in result['class_areas']) - 1) < 1e-6
    assert all(area['name'] in result['classes'] for area in result['class_areas'])
    assert len(result['keypoints']) == NUM_KEYPOINTS
    for k in result['keypoints']:
        found = 0 <= k['x'] < width and 0 <= k['y'] < height
        assert found if k['score'] > 0 else k['x'] == k['y'] == -1, k
    assert result['latency_ms'] > 0


def test_api_segment_and_bad_upload(demo_url, synthetic_dresscode):
    info = json.load(urllib.request.urlopen(demo_url + '/api/info'))
    assert len(info['classes']) == 18 and info['checkpoint'].endswith('iter_0.pth')
    photo = sorted((synthetic_dresscode / 'dresses' / 'images').glob('*_0.jpg'))[0]
    status, result = post_image(demo_url, photo.name, photo.read_bytes())
    assert status == 200
    check_consistent(result, *cv2.imread(str(photo)).shape[:2])
    assert result['images']['overlay'].startswith('data:image/jpeg;base64,')
    assert result['skeleton'] == dict(
        source='predicted skeleton',
        joints=NUM_KEYPOINTS,
        threshold=0.3,
        drawn=sum(k['score'] >= 0.3 for k in result['keypoints']),
    )
    status, plain = post_image(demo_url, photo.name, photo.read_bytes(), aux=False)
    assert status == 200 and 'keypoints' not in plain and 'skeleton' not in plain  # heads off unless asked
    status, error = post_image(demo_url, 'notes.txt', b'not a photo')
    assert status == 400 and "'notes.txt' could not be read as an image" in error['detail']


def test_oversized_uploads_are_refused_before_decoding(demo_url, synthetic_dresscode):
    from PIL import Image

    huge = io.BytesIO()
    Image.new('1', (16000, 16000)).save(huge, format='PNG')  # 256 megapixels in a small file
    assert len(huge.getvalue()) < 2**20
    start = time.time()
    status, error = post_image(demo_url, 'huge.png', huge.getvalue())
    assert status == 400 and '16000 x 16000 pixels' in error['detail'] and time.time() - start < 10
    status, error = post_image(demo_url, 'big.jpg', b'\xff' * (26 * 2**20))
    assert status == 413 and 'at most 25 MB' in error['detail']
    photo = sorted((synthetic_dresscode / 'dresses' / 'images').glob('*_0.jpg'))[0]
    assert post_image(demo_url, photo.name, photo.read_bytes())[0] == 200  # and the demo still serves


@pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None, reason='needs Debian chromium + chromium-driver (make install-browser)'
)
def test_browser_upload_shows_overlay_and_numbers(demo_url, synthetic_dresscode, tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ('--headless', '--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--window-size=1400,1000'):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        driver.get(demo_url)
        wait = WebDriverWait(driver, 120)
        wait.until(expected_conditions.text_to_be_present_in_element((By.ID, 'model'), '18 classes'))
        photo = sorted((synthetic_dresscode / 'upper_body' / 'images').glob('*_0.jpg'))[0]
        height, width = cv2.imread(str(photo)).shape[:2]

        driver.find_element(By.ID, 'segment-button').click()  # nothing chosen yet
        assert driver.find_element(By.ID, 'status').text == 'choose a photo first'

        driver.find_element(By.ID, 'image-input').send_keys(str(photo))
        driver.find_element(By.ID, 'aux-input').click()  # the landmark heads too
        driver.find_element(By.ID, 'segment-button').click()
        wait.until(expected_conditions.text_to_be_present_in_element((By.ID, 'status'), f'done: {photo.name}'))
        overlay = driver.find_element(By.ID, 'overlay')
        wait.until(lambda d: d.execute_script('return arguments[0].complete && arguments[0].naturalWidth', overlay))
        natural = driver.execute_script('return [arguments[0].naturalWidth, arguments[0].naturalHeight]', overlay)
        assert natural == [width, height]

        result = json.loads(driver.find_element(By.ID, 'result-json').text)
        check_consistent(result, height, width)
        rows = driver.find_elements(By.CSS_SELECTOR, '#class-areas tbody tr')
        assert len(rows) == len(result['class_areas'])
        for row, area in zip(rows, result['class_areas']):
            cells = [c.text for c in row.find_elements(By.TAG_NAME, 'td')]
            assert cells[0] == area['name'] and int(cells[2]) == area['pixels']
            assert float(cells[3]) == pytest.approx(100 * area['fraction'], abs=0.006)
        assert len(driver.find_elements(By.CSS_SELECTOR, '#keypoints tbody tr')) == NUM_KEYPOINTS
        caption = driver.find_element(By.ID, 'overlay-caption').text
        assert caption.startswith('mask and predicted skeleton over the photo: ')
        assert f'{result["skeleton"]["drawn"]} of {NUM_KEYPOINTS} joints drawn' in caption
        assert float(driver.find_element(By.ID, 'latency').text) == pytest.approx(result['latency_ms'], abs=0.06)
        screenshot = tmp_path / 'web_demo.png'
        assert driver.save_screenshot(str(screenshot)) and cv2.imread(str(screenshot)) is not None

        bad = tmp_path / 'broken.jpg'
        bad.write_bytes(b'not a photo')
        driver.find_element(By.ID, 'image-input').send_keys(str(bad))
        driver.find_element(By.ID, 'segment-button').click()
        wait.until(expected_conditions.text_to_be_present_in_element((By.ID, 'status'), 'error:'))
        assert "'broken.jpg' could not be read as an image" in driver.find_element(By.ID, 'status').text
    finally:
        driver.quit()


def test_without_checkpoint_says_how_to_get_one(tmp_path):
    result = run_tool(['tools/demo/web_demo.py', QUICKSTART_CONFIG, '--quickstart-dir', str(tmp_path)], check=False)
    assert result.returncode == 2
    assert 'no quickstart checkpoint' in result.stderr and 'bash tools/quickstart.sh' in result.stderr


def test_newest_quickstart_checkpoint_is_the_default(tmp_path):
    spec = importlib.util.spec_from_file_location('web_demo', REPO / 'tools' / 'demo' / 'web_demo.py')
    web_demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(web_demo)
    newest_quickstart_checkpoint = web_demo.newest_quickstart_checkpoint
    old, new = tmp_path / 'run1' / 'iter_600.pth', tmp_path / 'run2' / 'iter_20.pth'
    for i, path in enumerate((old, new)):
        path.parent.mkdir()
        path.write_bytes(b'x')
        os.utime(path, (1000 + i, 1000 + i))
    assert newest_quickstart_checkpoint(str(tmp_path)) == str(new)
    assert newest_quickstart_checkpoint(str(tmp_path / 'none')) is None
