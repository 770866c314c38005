"""Screenshots of the reader pages, for the README.

Run against a server with the seed data set, e.g. ``make run`` in one terminal
and then, in another::

    .venv/bin/python docs/screenshots/take.py [--base-url http://127.0.0.1:8000]

Uses Debian's Chromium (``make browser-deps``) through Playwright and writes
the PNGs next to this script.
"""

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
# Long pages are cut at this height, so that the PNGs stay small.
MAX_HEIGHT = 2000


def shoot(page, name, *, full_page=True):
    height = page.evaluate("document.documentElement.scrollHeight")
    width = page.viewport_size["width"]
    path = HERE / f"{name}.png"
    if full_page:
        clip = {"x": 0, "y": 0, "width": width, "height": min(height, MAX_HEIGHT)}
        page.screenshot(path=path, full_page=True, clip=clip)
    else:
        page.screenshot(path=path)
    print(f"wrote {path.relative_to(HERE.parent.parent)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument(
        "--claim",
        default="microdosing-psilocybin-reduces-depression-and-anxiety",
        help="slug of the claim to show (default: one from the seed data set)",
    )
    parser.add_argument(
        "--query",
        default="depressed",
        help="what to search for on the search page (default: a word of the seed data)",
    )
    options = parser.parse_args()
    base = options.base_url.rstrip("/")
    claim_url = f"{base}/claims/{options.claim}/"

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport=DESKTOP)
        page.goto(f"{base}/")
        shoot(page, "home")
        page.goto(f"{base}/claims/?evidence_type=controlled")
        shoot(page, "claims")
        page.goto(claim_url)
        shoot(page, "claim")
        page.goto(
            claim_url + "?evidence_type=controlled&direction=contradicts"
            "&population=clinical&population=healthy"
        )
        shoot(page, "claim-filtered")
        page.goto(f"{base}/search/?q={options.query}")
        shoot(page, "search")
        page.goto(f"{base}/studies/?design=rct")
        shoot(page, "studies")
        page.goto(claim_url)
        # The first study page the claim links to (its best evidence).
        study_path = page.evaluate(
            "[...document.querySelectorAll('main a')].map(a => a.pathname)"
            ".find(path => /^\\/studies\\/\\d+\\/$/.test(path))"
        )
        page.goto(base + study_path)
        shoot(page, "study")

        phone = browser.new_page(viewport=PHONE, is_mobile=True, has_touch=True)
        phone.goto(claim_url)
        shoot(phone, "claim-phone", full_page=False)
        phone.goto(f"{base}/")
        shoot(phone, "home-phone", full_page=False)
        browser.close()


if __name__ == "__main__":
    main()
