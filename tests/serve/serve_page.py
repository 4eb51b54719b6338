#!/usr/bin/python3
"""tinynn serve in a real browser (headless Chromium through Selenium).

Loads the page, starts a compare of four activations on a 2-D task, pauses,
steps one epoch and resets it, runs it to the end and sees every panel fill,
changes the activation set and the learning rate from the controls, runs
again, downloads the setup's YAML and checks that `tinynn compare` on it
writes the run's compare.csv byte for byte, and that the URL reproduces the
setup. Exits 77 (CTest: skipped) with a message when Chromium, chromedriver
or Selenium is missing; .ci/install-deps --with-browser installs them.

usage: serve_page.py TINYNN [--screenshot FILE.png]
"""

import argparse
import filecmp
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

SKIP = 77
EPOCHS = 30


def skip(why):
    print("SKIPPED: " + why + " (.ci/install-deps --with-browser installs it)")
    sys.exit(SKIP)


def find_browser():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver") or (
        "/usr/bin/chromedriver" if os.path.exists("/usr/bin/chromedriver") else None)
    if not chromium:
        skip("no chromium on the PATH")
    if not driver:
        skip("no chromedriver (Debian's chromium-driver)")
    try:
        import selenium  # noqa: F401
    except ImportError:
        skip("no Selenium for /usr/bin/python3 (Debian's python3-selenium)")
    return chromium, driver


def wait_for(what, condition, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out after %d s waiting for %s" % (timeout, what))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("tinynn")
    parser.add_argument("--screenshot")
    args = parser.parse_args()
    chromium, driver_path = find_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    work = tempfile.mkdtemp(prefix="tinynn-serve-")
    downloads = os.path.join(work, "downloads")
    os.makedirs(downloads)
    server = subprocess.Popen([args.tinynn, "serve", "--port", "0"], cwd=work,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    browser = None
    try:
        line = server.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+)/", line)
        assert match, "expected the server to print its URL, got: " + line
        url = match.group(1)

        options = webdriver.ChromeOptions()
        options.binary_location = chromium
        for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--window-size=1300,1250"):
            options.add_argument(flag)
        options.add_experimental_option("prefs", {
            "download.default_directory": downloads,
            "download.prompt_for_download": False,
        })
        browser = webdriver.Chrome(service=Service(driver_path), options=options)
        browser.get(url + "/")

        def control(key):
            return browser.find_element(By.ID, key)

        def set_value(key, value):
            # As a person types it: the page reacts to the input events.
            element = control(key)
            element.clear()
            element.send_keys(str(value))

        def state():
            return browser.find_element(By.ID, "status").get_attribute("data-state")

        def status_text():
            return browser.find_element(By.ID, "status").text

        def panels():
            """Each panel's title and its charts' epochs, read in one go: the
            page redraws them as the events come."""
            return browser.execute_script("""
                return [...document.querySelectorAll('#panels .panel')].map((p) => ({
                  title: p.querySelector('h2').textContent,
                  charts: Object.fromEntries([...p.querySelectorAll('canvas')].map(
                    (c) => [c.dataset.chart, Number(c.dataset.epochs)]))}));""")

        def filled(epochs):
            """{title: charts} once every chart of every panel shows `epochs` epochs."""
            found = {p["title"]: p["charts"] for p in panels()}
            ok = found and all(v == epochs for charts in found.values()
                               for v in charts.values())
            return found if ok else None

        def activations(names):
            for box in browser.find_elements(By.CSS_SELECTOR, "#activations input"):
                if box.is_selected() != (box.get_attribute("value") in names):
                    box.click()

        wait_for("the page's controls", lambda: browser.find_elements(
            By.CSS_SELECTOR, "#activations input"))
        assert control("data.kind").get_attribute("value") == "moons"
        four = ["sigmoid", "tanh", "relu", "leaky_relu"]
        activations(four)

        # A bad value is answered with the schema's message.
        set_value("optimizer.lr", "-1")
        wait_for("the schema's message", lambda: "optimizer.lr: expected" in
                 browser.find_element(By.ID, "error").text, 20)
        set_value("optimizer.lr", "0.1")
        wait_for("the message to clear", lambda: not browser.find_element(By.ID, "error").text, 20)

        # A long compare: pause, one epoch's step, then reset it.
        set_value("training.epochs", 100000)
        browser.find_element(By.ID, "start").click()
        wait_for("a first epoch", lambda: any(p["charts"]["loss"] > 0 for p in panels()))
        browser.find_element(By.ID, "pause").click()
        # Every run (4 activations x 2 seeds) held at one epoch.
        held = r"paused at epoch (\d+) \(8 runs held\)"
        at = int(wait_for("the pause", lambda: re.match(held, status_text())).group(1))
        browser.find_element(By.ID, "step").click()
        wait_for("one epoch's step",
                 lambda: status_text() == "paused at epoch %d (8 runs held)" % (at + 1), 60)
        print("paused at epoch %d, stepped to %d" % (at, at + 1))
        browser.find_element(By.ID, "reset").click()
        wait_for("the reset", lambda: state() == "idle" and not panels(), 30)

        # A small compare to the end: every panel fills.
        set_value("training.epochs", EPOCHS)
        browser.find_element(By.ID, "start").click()
        wait_for("the compare to finish", lambda: state() == "finished")
        found = wait_for("every panel to fill", lambda: filled(EPOCHS), 20)
        assert sorted(found) == sorted(four), found
        print("first compare:", found)

        # Another activation set and learning rate, from the controls.
        second = ["tanh", "relu", "gelu", "silu"]
        activations(second)
        set_value("optimizer.lr", "0.05")
        wait_for("the URL to hold the setup", lambda: "optimizer.lr=0.05" in browser.current_url
                 and "gelu" in browser.current_url, 20)
        browser.find_element(By.ID, "start").click()
        wait_for("the second compare to start",
                 lambda: sorted(p["title"] for p in panels()) == sorted(second))
        wait_for("the second compare to finish", lambda: state() == "finished")
        found = wait_for("every panel to fill", lambda: filled(EPOCHS), 20)
        print("second compare:", found)
        if args.screenshot:
            browser.save_screenshot(args.screenshot)

        # The setup's YAML, downloaded from the page, reproduces the run.
        browser.find_element(By.CSS_SELECTOR, "#yaml-box summary").click()
        browser.find_element(By.ID, "download-yaml").click()
        yaml_file = wait_for("the YAML download", lambda: next(
            (os.path.join(downloads, f) for f in os.listdir(downloads)
             if f.endswith(".yaml")), None), 30)
        text = open(yaml_file).read()
        assert "lr: 0.05" in text and "[tanh, relu, gelu, silu]" in text, text
        name = re.search(r"^name: (.*)$", text, re.M).group(1)
        served = os.path.join(work, "runs", name, "compare.csv")
        repro = os.path.join(work, "repro")
        subprocess.run([args.tinynn, "compare", yaml_file, "--out", repro], check=True,
                       stdout=subprocess.DEVNULL)
        assert filecmp.cmp(served, os.path.join(repro, "compare.csv"), shallow=False), \
            "tinynn compare on the downloaded YAML wrote another compare.csv"
        print("tinynn compare", os.path.basename(yaml_file), "reproduced compare.csv (%d bytes)"
              % os.path.getsize(served))
        # The report is compare's own, and the page's link serves it.
        with urllib.request.urlopen(url + "/api/report.html") as report:
            assert report.read() == open(os.path.join(work, "runs", name, "report.html"),
                                         "rb").read()

        # A link reproduces the setup.
        link = browser.current_url
        browser.get(link)
        wait_for("the controls from the link", lambda: browser.find_elements(
            By.CSS_SELECTOR, "#activations input:checked"))
        assert control("optimizer.lr").get_attribute("value") == "0.05"
        checked = [b.get_attribute("value") for b in
                   browser.find_elements(By.CSS_SELECTOR, "#activations input:checked")]
        assert sorted(checked) == sorted(second), checked
    finally:
        if browser:
            browser.quit()
        # Ctrl-C stops the server.
        server.send_signal(signal.SIGINT)
        try:
            status = server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            raise AssertionError("the server did not stop on SIGINT within 30 s")
        rest = server.stdout.read()
    assert status == 0, "the server exited with %d after SIGINT: %s" % (status, rest)
    shutil.rmtree(work)
    print("ok")


if __name__ == "__main__":
    main()
