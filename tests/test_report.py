"""report/index.html opens in a real headless browser (Debian's chromium) with no console errors and every thumbnail."""
import re
import shutil
import subprocess

import pytest
from conftest import load_json

pytestmark = pytest.mark.render
CHROMIUM = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def test_report_loads_in_chromium_with_all_thumbnails(rendered_run, tmp_path):
    assert shutil.which("chromium"), "Debian's chromium is needed (the README's test command installs it)"
    page = rendered_run / "report" / "index.html"
    text = page.read_text(encoding="utf-8")
    assert "http://" not in text and "https://" not in text               # self-contained: nothing to fetch
    result = subprocess.run(CHROMIUM + [f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0",
                                        "--virtual-time-budget=5000", "--dump-dom", page.as_uri()],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    n = load_json(rendered_run / "dataset.json")["counts"]["samples"]
    assert re.search(r'data-thumbnails="(\d+)"', result.stdout).group(1) == str(n)   # the page's own script ran
    console = [l for l in result.stderr.splitlines() if "CONSOLE" in l or "Uncaught" in l]
    assert not console, console
    for heading in ("instances per class", "objects by visible fraction", "QA rejections", "Provenance and licenses"):
        assert heading in result.stdout
