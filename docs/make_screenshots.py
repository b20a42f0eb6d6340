#!/usr/bin/env python3
"""Take the screenshots of the main screens shown in the README (docs/screenshots/*.png).

Starts the suite with demo data (``./suite run --db dealer_shots --port <free port>``) in the
background, or reuses a running server (``--url``), logs in as admin, opens each main screen in
headless Chromium (driven through the DevTools protocol, as Odoo's own test browser does) and
saves 1440x900 PNGs. A second set is taken with admin's language set to Russian (``*_ru.png``).

    python3 docs/make_screenshots.py                      # start ./suite run, then shoot
    python3 docs/make_screenshots.py --url http://localhost:8069 --db dealer
    python3 docs/make_screenshots.py --only sales_pipeline --no-ru

Needs: Chromium (Debian package ``chromium``), ``requests`` and ``websocket-client``.
"""

import argparse
import base64
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
import websocket

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
WIDTH, HEIGHT = 1440, 900

# (file name, what it shows, URL path or a callable(session) -> URL path)
SCREENS = [
    ("sales_pipeline", "Sales pipeline (request to delivery)", "/odoo/action-dealer_crm.crm_lead_action_dealer_sales"),
    ("sales_dashboard", "Sales dashboard: NL, NS, AC plan-fact", "/odoo/action-dealer_crm.dealer_crm_dashboard_action"),
    ("walkins", "Showroom visitors recorded by the receptionist", "/odoo/action-dealer_crm.dealer_walkin_action"),
    ("customer_card", "Customer card", "customer_card"),
    ("vehicles", "Vehicle register", "/odoo/action-dealer_crm.dealer_vehicle_action"),
    ("reservations", "Car reservations", "/odoo/action-dealer_crm.dealer_reservation_action"),
    (
        "service_pipeline",
        "Service opportunities pipeline",
        "/odoo/action-dealer_service_lost_sales.crm_lead_service_action",
    ),
    (
        "lost_revenue_dashboard",
        "Lost service revenue dashboard",
        "/odoo/action-dealer_service_lost_sales.dealer_lost_revenue_report_action",
    ),
    ("loss_events", "Ledger of loss events", "/odoo/action-dealer_service_lost_sales.dealer_loss_event_action"),
    ("campaigns", "Reminder campaigns", "/odoo/action-dealer_loyalty.dealer_campaign_action"),
    ("marketing_dashboard", "Marketing dashboard", "/odoo/action-dealer_loyalty.dealer_loyalty_dashboard_action"),
    ("segments", "Segment sizes", "/odoo/action-dealer_loyalty.dealer_segment_dashboard_action"),
]

CHROME_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--hide-scrollbars",
    f"--window-size={WIDTH},{HEIGHT}",
]

# The view is ready when an action is displayed and nothing is loading any more.
READY_JS = """
(() => {
    const ctrl = document.querySelector('.o_action_manager .o_view_controller, .o_action_manager .o_form_view');
    const busy = document.querySelector('.o_loading_indicator, .o_blockUI, .o_view_sample_data_loading');
    return Boolean(ctrl) && !busy && document.readyState === 'complete';
})()
"""


def free_port():
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if predicate():
                return
        time.sleep(0.5)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}")


class Odoo:
    """A JSON-RPC session as admin on the server."""

    def __init__(self, url, db, login, password):
        self.url, self.db = url.rstrip("/"), db
        self.http = requests.Session()
        self.call("/web/session/authenticate", {"db": db, "login": login, "password": password})

    def call(self, path, params):
        response = self.http.post(
            self.url + path, json={"jsonrpc": "2.0", "method": "call", "params": params}, timeout=120
        )
        response.raise_for_status()
        body = response.json()
        if body.get("error"):
            raise RuntimeError(json.dumps(body["error"], indent=1)[:2000])
        return body["result"]

    def execute(self, model, method, *args, **kwargs):
        return self.call(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    @property
    def session_id(self):
        return self.http.cookies.get("session_id")

    def set_admin_lang(self, lang):
        if lang != "en_US":
            ids = self.execute("res.lang", "search", [("code", "=", lang)], context={"active_test": False})
            wizard = self.execute("base.language.install", "create", [{"lang_ids": [(6, 0, ids)]}])
            self.execute("base.language.install", "lang_install", wizard)
        uid = self.call("/web/session/get_session_info", {})["uid"]
        self.execute("res.users", "write", [uid], {"lang": lang})

    def customer_card_path(self):
        ids = self.execute(
            "res.partner", "search", [("vehicle_ids", "!=", False), ("is_company", "=", False)], limit=1
        ) or self.execute("res.partner", "search", [("is_company", "=", False)], limit=1)
        return f"/odoo/action-dealer_crm.res_partner_action_dealer_customers/{ids[0]}"


class Chrome:
    """Headless Chromium driven through the DevTools protocol (one page)."""

    def __init__(self):
        binary = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
        if not binary:
            sys.exit("Chromium not found: apt-get install chromium")
        self.port = free_port()
        self.profile = tempfile.mkdtemp(prefix="dealer_shots_chrome_")
        self.proc = subprocess.Popen(
            [binary, *CHROME_FLAGS, f"--remote-debugging-port={self.port}", f"--user-data-dir={self.profile}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{self.port}"
        wait_for(lambda: requests.get(base + "/json/version", timeout=2).ok, 30, "Chromium")
        target = requests.put(base + "/json/new?about:blank", timeout=10).json()
        self.ws = websocket.create_connection(target["webSocketDebuggerUrl"], timeout=60, suppress_origin=True)
        self.next_id = 0
        self.send("Page.enable")
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False},
        )

    def send(self, method, params=None):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params or {}}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        return result.get("result", {}).get("value")

    def set_session(self, url, session_id):
        self.send("Network.enable")
        self.send("Network.setCookie", {"name": "session_id", "value": session_id, "url": url})

    def shoot(self, url, path):
        self.send("Page.navigate", {"url": url})
        time.sleep(0.5)  # let the navigation replace the previous page before polling it
        wait_for(lambda: self.evaluate(READY_JS), 60, url)
        time.sleep(1.0)  # charts animate and fonts settle after the view is there
        self.evaluate("document.activeElement && document.activeElement.blur()")
        data = self.send("Page.captureScreenshot", {"format": "png"})["data"]
        path.write_bytes(base64.b64decode(data))

    def close(self):
        with contextlib.suppress(Exception):
            self.ws.close()
        self.proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(10)
        shutil.rmtree(self.profile, ignore_errors=True)


def start_suite(db, port):
    """``./suite run`` in the background: installs the addons with demo data on its first start,
    upgrades them on later starts so that the pictures show the current views."""
    log = open(ROOT / ".suite" / f"{db}-screenshots-server.log", "w")
    proc = subprocess.Popen(
        [str(ROOT / "suite"), "run", "--db", db, "--port", str(port), "--update"],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    wait_for(lambda: requests.get(url + "/web/login", timeout=5).ok, 1800, f"./suite run on {url}")
    return proc, url


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="reuse a running server instead of starting ./suite run")
    parser.add_argument("--db", default="dealer_shots")
    parser.add_argument("--port", type=int, default=0, help="port for ./suite run (default: a free one)")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--only", nargs="*", help="names of the screens to take")
    parser.add_argument("--no-ru", action="store_true", help="skip the Russian set")
    args = parser.parse_args()

    (ROOT / ".suite").mkdir(exist_ok=True)
    OUT.mkdir(parents=True, exist_ok=True)
    server = None
    url = args.url
    if not url:
        server, url = start_suite(args.db, args.port or free_port())
    chrome = None
    try:
        odoo = Odoo(url, args.db, args.login, args.password)
        chrome = Chrome()
        screens = [s for s in SCREENS if not args.only or s[0] in args.only]
        for lang, suffix in [("en_US", ""), ("ru_RU", "_ru")][: 1 if args.no_ru else 2]:
            odoo.set_admin_lang(lang)
            chrome.set_session(url, odoo.session_id)
            for name, _title, screen_path in screens:
                path = odoo.customer_card_path() if screen_path == "customer_card" else screen_path
                target = OUT / f"{name}{suffix}.png"
                chrome.shoot(url + path + "?debug=", target)
                print(f"saved {target.relative_to(ROOT)}")
        odoo.set_admin_lang("en_US")
    finally:
        if chrome:
            chrome.close()
        if server:
            os.killpg(server.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                server.wait(30)


if __name__ == "__main__":
    main()
