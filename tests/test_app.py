"""``actionzs app`` through Gradio's own Python client, against a server started here on a free port (stopped at
the end). random:openclip-tiny has UNTRAINED random weights built in the process: these tests check that the page
gives what ``predict`` gives, never that the labels are right."""

import importlib.util
import json
import shutil
import socket
from pathlib import Path

import pytest

from conftest import run

# found, not imported: Gradio takes seconds to import, so only the test worker that starts the server loads it
GRADIO = importlib.util.find_spec("gradio") is not None
pytestmark = pytest.mark.skipif(not GRADIO, reason="the app's extra is not installed: pip install 'actionzs[app]'")
if GRADIO:
    from gradio_client import Client, handle_file

LABELS = "waving, jumping jacks, surfing"
TINY = "random:openclip-tiny"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app on 127.0.0.1, its feature cache in a folder of its own; every outbound connection is recorded."""
    from actionzs.app import serve
    from actionzs.cache import FeatureCache

    reached = []
    connect = socket.socket.connect

    def watched(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6) and address[0] not in ("127.0.0.1", "::1", "localhost"):
            reached.append(address)
        return connect(sock, address)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", watched)
        page, url, session = serve("127.0.0.1", free_port(), block=False, model=TINY, device="cpu",
                                   cache=FeatureCache(tmp_path_factory.mktemp("app-cache")))
        try:
            yield Client(url, verbose=False), session, reached, url
        finally:
            page.close()
            session.close()
    assert not reached, f"the app reached the network: {reached}"


def rank(client, videos, labels=LABELS, *, label_set="my labels (below)", model=TINY, adapter="", window=0, file=None):
    *shown, videos_box = client.predict([handle_file(str(v)) for v in videos], label_set, labels, file, "clip", model,
                                        adapter, "cpu", 8, 1, 1, 3, window, api_name="/rank")
    assert not videos_box  # the uploads were deleted, and the upload box is empty again
    for i in (2, 3):  # the table and the chart: shown for whole videos, hidden for timelines
        assert shown[i]["visible"] == (not window)
        shown[i] = shown[i]["value"]
    return shown


@pytest.fixture
def clip(tmp_path, data_dir) -> Path:
    """A real UCF101 clip, copied so that the upload's deletion never touches the shared data."""
    source = sorted((data_dir / "videos" / "3DNet_Visualization").glob("*.avi"))[0]
    return Path(shutil.copy(source, tmp_path / source.name))


def test_the_page_ranks_as_predict_does_and_a_second_request_reuses_everything(server, clip, tmp_path):
    from actionzs.video import reader

    client, session, _, _ = server
    flagged, meaning, table, chart, _, _, json_file = rank(client, [clip])
    assert flagged["visible"] and "NOT A PREDICTION" in flagged["value"]  # as loud as the CLI
    assert "probability over the 3 labels" in meaning and chart["type"] == "matplotlib"
    assert [row[1] for row in table["data"]] == [1, 2, 3]
    page_json = json.loads(Path(json_file).read_text())
    cli = run("predict", clip, "-m", TINY, "--labels", "waving,jumping jacks,surfing", "--device", "cpu", "-k", "3",
              "--json")
    assert cli.exit_code == 0, cli.output
    cli_json = json.loads(cli.stdout)
    for key in ("method", "model", "labels", "num_classes", "score", "sampling", "prompts", "untrained", "warnings"):
        assert page_json[key] == cli_json[key], key
    assert [p["top"] for p in page_json["predictions"]] == [p["top"] for p in cli_json["predictions"]]
    assert [[r[2], r[3]] for r in table["data"]] == [[t["text"], round(t["score"], 4)] for t in cli_json["predictions"][0]["top"]]
    uploaded = page_json["predictions"][0]["video"]
    assert Path(uploaded).name == clip.name and not Path(uploaded).exists()  # the upload is gone with the request

    before, loaded = dict(reader.DECODE_CALLS), len(session._classifiers)
    again = rank(client, [clip])
    assert again[2]["data"] == table["data"]
    assert reader.DECODE_CALLS == before and len(session._classifiers) == loaded  # features cached, model kept


def test_bad_inputs_are_one_message_and_the_app_keeps_serving(server, clip, tmp_path):
    from gradio_client.exceptions import AppError

    client = server[0]
    not_video = tmp_path / "notes.mp4"
    not_video.write_text("not a video")
    cases = [
        (lambda: rank(client, [clip], ""), "labels: the list is empty"),
        (lambda: rank(client, [], LABELS), "no video"),
        (lambda: rank(client, [clip], model="ViT-B-16:openai"), "ViT-B-16:openai"),
    ]
    for call, says in cases:
        with pytest.raises(AppError, match=says):
            call()
    _, meaning, table, _, _, _, _ = rank(client, [not_video, clip])
    assert "notes.mp4" in meaning and len(table["data"]) == 3  # the bad file is named, the good one ranked


def test_labels_from_a_builtin_set_or_a_file(server, clip, tmp_path):
    client = server[0]
    _, meaning, table, _, _, _, _ = rank(client, [clip], "", label_set="hmdb51")
    assert "probability over the 51 labels" in meaning and len(table["data"]) == 3
    labels = tmp_path / "labels.txt"
    labels.write_text("juggling\nknitting\n")
    _, meaning, _, _, _, _, _ = rank(client, [clip], "", file=handle_file(str(labels)))
    assert "probability over the 2 labels" in meaning


def test_a_long_video_shows_its_timeline_and_segments(server, clip):
    client = server[0]
    _, meaning, _, _, timeline, segments, json_file = rank(client, [clip], window=2)
    assert timeline["visible"] and len(timeline["value"]) == 1
    assert Path(timeline["value"][0]["image"]).read_bytes()[:4] == b"\x89PNG"
    assert segments["visible"] and segments["value"]["data"] and "per window" in meaning
    report = json.loads(Path(json_file).read_text())
    assert report["window"] == 2 and report["videos"][0]["windows"]


def test_app_help_and_missing_port():
    result = run("app", "--help")
    assert result.exit_code == 0 and "127.0.0.1" in result.stdout and "actionzs[app]" in result.stdout
    assert run("app", "--port", "0").exit_code == 2


# -- in a real browser ---------------------------------------------------------------------------------------------

CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)
CHROMEDRIVER = shutil.which("chromedriver")


@pytest.fixture
def browser(monkeypatch):
    if CHROMIUM is None or CHROMEDRIVER is None:
        pytest.skip("no headless browser here: apt-get install chromium chromium-driver (Debian), see README")
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is missing: pip install -e '.[dev]'")
    from selenium.webdriver.chrome.service import Service

    monkeypatch.setenv("SE_OFFLINE", "true")  # Selenium Manager must not look for drivers online
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1300",
                 "--disable-gpu", "--no-first-run", "--disable-background-networking"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def test_in_a_browser_upload_type_rank_and_see_the_timeline(server, browser, clip, tmp_path):
    """Headless Chromium: upload a real clip, type labels, rank, find the ranked rows; then a window for the
    timeline image. The screenshot goes to $ACTIONZS_SCREENSHOT (README's picture) or the test's folder."""
    import os

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    url = server[3]
    wait = WebDriverWait(browser, 120)
    browser.get(url)
    upload = wait.until(ready.presence_of_element_located((By.CSS_SELECTOR, "#videos input[type=file]")))
    upload.send_keys(str(clip))
    wait.until(lambda d: clip.stem in d.find_element(By.ID, "videos").text)
    browser.find_element(By.CSS_SELECTOR, "#labels textarea").send_keys("waving\njumping jacks\nsurfing")
    browser.find_element(By.CSS_SELECTOR, "#run").click()
    labels = ("waving", "jumping jacks", "surfing")
    wait.until(lambda d: all(label in d.find_element(By.ID, "ranked").text for label in labels))
    table = browser.find_element(By.ID, "ranked").text
    assert table.count(clip.stem) == 3 and "rank" in table and "score" in table  # a row per label
    assert "NOT A PREDICTION" in browser.find_element(By.ID, "untrained").text

    browser.find_element(By.XPATH, "//button[contains(., 'Model and sampling')]").click()
    window = wait.until(ready.visibility_of_element_located((By.CSS_SELECTOR, "#window input")))
    window.clear()
    window.send_keys("2")
    upload = browser.find_element(By.CSS_SELECTOR, "#videos input[type=file]")  # the upload was used up
    upload.send_keys(str(Path(shutil.copy(clip, tmp_path / ("again-" + clip.name)))))
    wait.until(lambda d: "again-" + clip.stem in d.find_element(By.ID, "videos").text)
    browser.find_element(By.CSS_SELECTOR, "#run").click()
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#timeline img"))
    segments = browser.find_element(By.ID, "segments")
    assert segments.is_displayed() and any(label in segments.text for label in labels)
    shot = Path(os.environ.get("ACTIONZS_SCREENSHOT", tmp_path / "app.png"))
    browser.execute_script("window.scrollTo(0, 0)")
    assert browser.save_screenshot(str(shot)) and shot.read_bytes()[:4] == b"\x89PNG"


def test_an_adapter_folder_brings_its_own_labels(server, clip, data_dir, tmp_path):
    support = tmp_path / "support"
    for source in sorted((data_dir / "videos").glob("*/v_*_g*_c*.avi")):
        (support / source.stem.split("_")[1]).mkdir(parents=True, exist_ok=True)
        shutil.copy(source, support / source.stem.split("_")[1] / source.name)
    made = run("adapt", support, "-o", tmp_path / "adapter", "--method", "prototype", "-m", TINY, "--frames", "4")
    assert made.exit_code == 0, made.output
    _, meaning, table, _, _, _, json_file = rank(server[0], [clip], "", adapter=str(tmp_path / "adapter"))
    classes = {p.name for p in support.iterdir()}
    assert f"probability over the {len(classes)} labels" in meaning
    assert json.loads(Path(json_file).read_text())["method"] == "adapter:prototype"
    assert {row[2] for row in table["data"]} <= {t.replace("_", " ") for t in classes} | classes
