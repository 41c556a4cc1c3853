#!/usr/bin/env python3
"""Browser tests of the Chorus web client: two real headless Chromiums, two users on two gateways.

Run by Tests/GatewayTests/BrowserTests.swift (through scripts/test, which installs Chromium,
chromedriver and a venv with Selenium 4 and exports CHORUS_TEST_PYTHON, CHORUS_TEST_CHROMEDRIVER,
CHORUS_TEST_CHROMIUM and CHORUS_TEST_SCREENSHOTS):

    $CHORUS_TEST_PYTHON Tests/Browser/chat_browser_test.py \
        --gateway-a http://127.0.0.1:PORT_A --gateway-b http://127.0.0.1:PORT_B --screenshots DIR

Browser A opens gateway A; browser B opens a small TCP proxy of this script in front of gateway B,
which can cut B's connections (reset every one, refuse new ones for a few seconds). The client is
driven and read only through its `data-test` hooks. Every wait is explicit (polled every 100 ms,
15 s at most); the only fixed pause is the proxy's cut window.

Screenshots go to DIR on every run; on a failure also a screenshot, the page source and the
console log of every open tab. The first failure ends the run with exit status 1.
"""

import argparse
import asyncio
import os
import random
import re
import shutil
import signal
import socket
import string
import struct
import sys
import tempfile
import threading
import time
import traceback

try:
    from selenium import webdriver
    from selenium.common.exceptions import (
        NoAlertPresentException,
        StaleElementReferenceException,
        TimeoutException,
        WebDriverException,
    )
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select, WebDriverWait
except ImportError as error:  # pragma: no cover - environment problem, said plainly
    print(f"chat_browser_test: cannot import selenium ({error}); run it with $CHORUS_TEST_PYTHON "
          "(scripts/test makes that venv)", file=sys.stderr)
    sys.exit(2)

TIMEOUT = 15.0      # seconds, every explicit wait
POLL = 0.1          # seconds between polls of a wait
CUT_SECONDS = 3.0   # how long the proxy refuses connections after a cut
HISTORY_MESSAGES = 60
STARTED = time.monotonic()


def log(text):
    print(f"[browser {time.monotonic() - STARTED:6.1f}s] {text}", flush=True)


class Failure(Exception):
    """A check of the scenario failed (the message says what was expected and what was seen)."""


def redact(text):
    """Console lines name socket URLs with the user's token: not worth keeping in files."""
    return re.sub(r"token=[^&'\"\s]+", "token=(redacted)", str(text))


def suffix(length=6):
    return "".join(random.choice(string.ascii_lowercase + string.digits) for _ in range(length))


# ---------------------------------------------------------------------------------------------
# The proxy in front of gateway B.

class CuttableProxy:
    """A TCP proxy on 127.0.0.1 (an asyncio loop in a thread) in front of one upstream port.

    `cut()` resets every proxied connection (RST on both sides: the browser sees its WebSocket
    drop without a close frame, the gateway sees its client vanish) and resets every new one
    until `resume()`.
    """

    def __init__(self, upstream_host, upstream_port):
        self.upstream = (upstream_host, upstream_port)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="proxy", daemon=True)
        self.thread.start()
        self.connections = set()   # (client writer, upstream writer)
        self.refusing = False
        self.accepted = 0
        self.reset_while_cut = 0
        self.server = self._call(asyncio.start_server(self._handle, "127.0.0.1", 0))
        self.port = self.server.sockets[0].getsockname()[1]

    def _call(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=TIMEOUT)

    @staticmethod
    def _reset(writer):
        sock = writer.get_extra_info("socket")
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except (OSError, AttributeError):
            pass
        writer.transport.abort()

    async def _handle(self, reader, writer):
        if self.refusing:
            self.reset_while_cut += 1
            self._reset(writer)
            return
        self.accepted += 1
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            self._reset(writer)
            return
        pair = (writer, up_writer)
        self.connections.add(pair)

        async def pump(source, sink):
            try:
                while True:
                    data = await source.read(65536)
                    if not data:
                        break
                    sink.write(data)
                    await sink.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                if not sink.transport.is_closing():
                    sink.close()

        try:
            await asyncio.gather(pump(reader, up_writer), pump(up_reader, writer))
        finally:
            self.connections.discard(pair)

    async def _cut(self):
        self.refusing = True
        pairs = list(self.connections)
        self.connections.clear()
        for client, upstream in pairs:
            self._reset(client)
            self._reset(upstream)
        return len(pairs)

    async def _resume(self):
        self.refusing = False

    def cut(self):
        """Resets every connection and refuses new ones; returns when it was cut (monotonic)."""
        count = self._call(self._cut())
        log(f"proxy: cut {count} connection(s) to gateway B; refusing new ones")
        return time.monotonic()

    def resume(self, cut_at):
        """Accepts again, CUT_SECONDS after `cut_at` at the earliest (the proxy's cut window)."""
        remaining = cut_at + CUT_SECONDS - time.monotonic()
        if remaining > 0:
            time.sleep(remaining)
        self._call(self._resume())
        log(f"proxy: accepting again after {time.monotonic() - cut_at:.1f} s "
            f"({self.reset_while_cut} connection(s) refused meanwhile)")

    def stop(self):
        try:
            self.server.close()
            self._call(self._cut())
        except Exception:  # noqa: BLE001 - best effort at exit
            pass
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)


# ---------------------------------------------------------------------------------------------
# One browser.

def hook(name, **attributes):
    selector = f'[data-test="{name}"]'
    for key, value in attributes.items():
        selector += f'[{key.replace("_", "-")}="{value}"]'
    return selector


# Reads a room view's message list in one call (no stale elements, no round trip per message).
READ_MESSAGES = """
const view = document.querySelector(arguments[0]);
if (!view) return null;
return Array.from(view.querySelectorAll('[data-test="message"]')).map(m => {
  const content = m.querySelector('[data-test="message-content"]');
  const author = m.querySelector('[data-test="message-author"]');
  return {
    seq: m.getAttribute('data-seq'),
    cmid: m.getAttribute('data-client-msg-id'),
    own: m.classList.contains('own'),
    pending: m.classList.contains('pending'),
    failed: m.classList.contains('failed'),
    author: author ? author.textContent.trim() : null,
    content: content ? content.textContent : null,
    elements: content ? content.querySelectorAll('*').length : -1,
  };
});
"""


# Scrolls the message list's scrolling box (the list or the nearest parent that scrolls) to the top,
# as a user scrolling up would; false if none scrolls.
SCROLL_TO_TOP = """
let box = document.querySelector(arguments[0]);
while (box && !(box.scrollHeight > box.clientHeight && /(auto|scroll)/.test(getComputedStyle(box).overflowY))) {
  box = box.parentElement;
}
if (!box) return false;
box.scrollTop = 0;
return true;
"""


class Browser:
    def __init__(self, name, base_url, options):
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.shots = options.screenshots
        chrome = Options()
        if options.chromium:
            chrome.binary_location = options.chromium
        chrome.add_argument("--headless=new")
        if os.geteuid() == 0:
            chrome.add_argument("--no-sandbox")
        for argument in ("--disable-dev-shm-usage", "--window-size=1280,900", "--no-first-run",
                         "--no-default-browser-check", "--disable-extensions", "--disable-gpu",
                         "--disable-background-networking", "--disable-sync",
                         # The two tabs of one user stay live while the other has the focus.
                         "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
                         "--disable-backgrounding-occluded-windows"):
            chrome.add_argument(argument)
        chrome.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        # Kept (in the screenshots folder) only when the run fails.
        handle, self.driver_log = tempfile.mkstemp(prefix=f"chromedriver-{name}-", suffix=".log")
        os.close(handle)
        service = Service(executable_path=options.chromedriver, log_output=self.driver_log)
        self.driver = webdriver.Chrome(service=service, options=chrome)
        self.driver.set_window_size(1280, 900)
        self.console = []   # every console entry read so far ("get_log" drains the browser's)

    # --- waiting -------------------------------------------------------------------------------

    def wait(self, condition, what, timeout=TIMEOUT):
        """Polls `condition()` (truthy = done) every 100 ms; fails saying `what` it waited for
        (a string, or a function giving one at the time of the failure, with what it saw then)."""
        last = {"error": None}

        def probe(_driver):
            try:
                return condition()
            except StaleElementReferenceException as error:
                last["error"] = error
                return False

        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=POLL).until(probe)
        except TimeoutException:
            seen = f"; last error: {last['error'].__class__.__name__}" if last["error"] else ""
            said = what() if callable(what) else what
            raise Failure(f"{self.name}: waited {timeout:.0f} s for {said}{seen}") from None

    def query(self, selector):
        return self.driver.find_elements("css selector", selector)

    def element(self, selector, what=None):
        """The first visible element for `selector`, waited for."""
        def visible():
            for element in self.query(selector):
                if element.is_displayed():
                    return element
            return None
        return self.wait(visible, what or f"{selector} to be visible")

    def visible(self, selector):
        try:
            return any(element.is_displayed() for element in self.query(selector))
        except StaleElementReferenceException:
            return False

    def text(self, selector):
        elements = self.query(selector)
        return elements[0].text if elements else None

    def text_content(self, selector):
        """textContent of the first match (hidden or not), stripped; None if there is none."""
        return self.driver.execute_script(
            "const e = document.querySelector(arguments[0]); return e ? e.textContent.trim() : null;", selector)

    def attribute(self, selector, name):
        return self.driver.execute_script(
            "const e = document.querySelector(arguments[0]); return e ? e.getAttribute(arguments[1]) : null;",
            selector, name)

    def fill(self, name, value):
        field = self.element(hook(name))
        field.clear()
        field.send_keys(value)

    def click(self, name, **attributes):
        self.element(hook(name, **attributes)).click()

    def state(self):
        return self.attribute(hook("connection-state"), "data-state")

    def wait_state(self, wanted):
        self.wait(lambda: self.state() == wanted,
                  lambda: f'connection-state data-state="{wanted}" (it says "{self.state()}")')

    # --- the room view -------------------------------------------------------------------------

    def room_view(self, room_id):
        return hook("room-view", data_room_id=room_id)

    def wait_room_open(self, room_id):
        self.wait(lambda: self.visible(self.room_view(room_id)), f"the room view of room {room_id}")

    def messages(self, room_id):
        return self.driver.execute_script(READ_MESSAGES, self.room_view(room_id)) or []

    def send(self, room_id, text):
        """Types `text` into the open room's composer and presses Enter."""
        composer = self.element(f'{self.room_view(room_id)} {hook("composer")}', f"the composer of room {room_id}")
        composer.send_keys(text + Keys.ENTER)

    def shown(self, room_id, content):
        """How the message `content` is shown now, for failure messages."""
        try:
            found = [m for m in self.messages(room_id) if m["content"] == content]
        except WebDriverException as error:
            return f"unreadable: {error.msg}"
        return found or f"not shown; room view {'open' if self.visible(self.room_view(room_id)) else 'not open'}"

    def wait_message(self, room_id, content, what=None, **expected):
        """The one message with `content`, once it matches `expected` (e.g. pending=False)."""
        def matching():
            found = [m for m in self.messages(room_id) if m["content"] == content]
            if len(found) > 1:
                raise Failure(f"{self.name}: {len(found)} messages with content {content!r} in room {room_id}: {found}")
            if found and all(found[0][key] == value for key, value in expected.items()):
                return found[0]
            return None
        return self.wait(matching, lambda: f"{what or f'message {content!r} in room {room_id} with {expected}'} "
                         f"(now: {self.shown(room_id, content)})")

    def wait_acked(self, room_id, content, own):
        """The message `content` as stored: a seq, not pending or failed, `own` as given."""
        def acked():
            found = [m for m in self.messages(room_id) if m["content"] == content]
            if len(found) > 1:
                raise Failure(f"{self.name}: {len(found)} messages with content {content!r}: {found}")
            if found and found[0]["seq"] and not found[0]["pending"] and not found[0]["failed"]:
                return found[0]
            return None
        message = self.wait(acked, lambda: f"message {content!r} with a seq in room {room_id} "
                            f"(now: {self.shown(room_id, content)})")
        if message["own"] != own:
            raise Failure(f"{self.name}: message {content!r} is {'' if message['own'] else 'not '}marked own: {message}")
        return message

    # --- evidence ------------------------------------------------------------------------------

    def screenshot(self, label):
        path = os.path.join(self.shots, f"{label}.png")
        try:
            self.driver.save_screenshot(path)
            log(f"{self.name}: screenshot {path}")
        except WebDriverException as error:
            log(f"{self.name}: no screenshot {label} ({error.msg})")

    def read_console(self):
        try:
            self.console.extend(self.driver.get_log("browser"))
        except Exception:  # noqa: BLE001 - not every driver has the log
            pass
        return self.console

    def save_console(self, label):
        entries = self.read_console()
        path = os.path.join(self.shots, f"{label}.txt")
        with open(path, "w", encoding="utf-8") as out:
            for entry in entries:
                out.write(f"{entry.get('timestamp')} {entry.get('level')} {redact(entry.get('message'))}\n")
        return path

    def save_failure(self):
        """A screenshot and the page source of every tab, and the console log."""
        try:
            handles = self.driver.window_handles
            current = self.driver.current_window_handle
        except WebDriverException as error:
            log(f"{self.name}: browser unreachable after the failure ({error.msg})")
            return
        for index, handle in enumerate(handles):
            try:
                self.driver.switch_to.window(handle)
                label = f"failure-{self.name}" + (f"-tab{index + 1}" if len(handles) > 1 else "")
                self.screenshot(label)
                with open(os.path.join(self.shots, f"{label}.html"), "w", encoding="utf-8") as out:
                    out.write(self.driver.page_source)
                log(f"{self.name}: tab {index + 1}: {self.driver.current_url}, "
                    f"connection-state={self.state()!r}")
            except WebDriverException as error:
                log(f"{self.name}: tab {index + 1}: {error.msg}")
        try:
            self.driver.switch_to.window(current)
        except WebDriverException:
            pass
        path = self.save_console(f"failure-{self.name}-console")
        log(f"{self.name}: console log in {path}; its last entries:")
        for entry in self.console[-15:]:
            print(f"    {entry.get('level')} {redact(entry.get('message'))[:400]}", flush=True)
        try:
            shutil.copyfile(self.driver_log, os.path.join(self.shots, f"failure-{self.name}-chromedriver.log"))
        except OSError:
            pass

    def quit(self):
        try:
            self.driver.quit()
        except Exception:  # noqa: BLE001 - at exit
            pass
        try:
            os.unlink(self.driver_log)
        except OSError:
            pass


# ---------------------------------------------------------------------------------------------
# The scenario.

class Scenario:
    def __init__(self, options):
        self.options = options
        self.proxy = None
        self.browsers = []
        self.a = self.b = None
        self.user_a = "a_" + suffix(10)
        self.user_b = "b_" + suffix(10)
        self.id_a = self.id_b = None

    def step(self, title):
        log(f"--- {title}")

    def start(self):
        self.step("start: proxy in front of gateway B, two headless Chromiums")
        upstream = self.options.gateway_b.split("://", 1)[1].split("/", 1)[0]
        host, port = upstream.rsplit(":", 1)
        self.proxy = CuttableProxy(host, int(port))
        log(f"proxy 127.0.0.1:{self.proxy.port} -> {host}:{port}")
        self.a = Browser("A", self.options.gateway_a, self.options)
        self.browsers.append(self.a)
        self.b = Browser("B", f"http://127.0.0.1:{self.proxy.port}", self.options)
        self.browsers.append(self.b)
        log(f"A: {self.a.driver.capabilities.get('browserVersion')} on {self.a.base_url}; B on {self.b.base_url}")

    def register(self, browser, username, screenshot=None):
        browser.driver.get(browser.base_url + "/")
        browser.element(hook("login-view"), "the login view")
        if screenshot:
            browser.screenshot(screenshot)
        browser.click("show-register")
        browser.fill("register-username", username)
        browser.fill("register-email", f"{username}@example.com")
        browser.fill("register-password", "browser-pass-1")
        browser.click("register-submit")

        def logged_in():
            refused = browser.text_content(hook("auth-error"))
            if refused:
                raise Failure(f"{browser.name}: registration refused: {refused!r}")
            return browser.visible(hook("app-view")) and username in (browser.text(hook("current-user")) or "")
        browser.wait(logged_in, f"the app view with current-user {username!r}")
        if browser.visible(hook("login-view")):
            raise Failure(f"{browser.name}: login-view still visible after registering")
        browser.wait_state("connected")
        log(f"{browser.name}: registered and connected as {username}")

    def create_room(self, browser, name, visibility="public", topic=""):
        browser.fill("create-room-name", name)
        Select(browser.element(hook("create-room-visibility"))).select_by_value(visibility)
        if topic:
            browser.fill("create-room-topic", topic)
        browser.click("create-room-submit")

        def opened():
            for view in browser.query(hook("room-view")):
                if view.is_displayed() and view.get_attribute("data-room-id"):
                    names = view.find_elements("css selector", hook("room-name"))
                    if names and names[0].text.strip() == name:
                        return view.get_attribute("data-room-id")
            return None
        room_id = browser.wait(opened, f"the room view of the new room {name!r}")
        log(f"{browser.name}: created {visibility} room {name!r} (id {room_id})")
        return room_id

    def join_room(self, browser, room_id):
        browser.fill("join-room-id", room_id)
        browser.click("join-room-submit")
        browser.wait_room_open(room_id)

    def member_id(self, browser, room_id, username):
        """Waits until `username` is in `browser`'s member list of the room; returns its user id."""
        selector = f'{browser.room_view(room_id)} {hook("members")} {hook("member")}'

        def find():
            for member in browser.query(selector):
                if username in member.text:
                    return member.get_attribute("data-user-id")
            return None
        user_id = browser.wait(find, f"{username} in the members of room {room_id}")
        if not user_id:
            raise Failure(f"{browser.name}: member {username} has no data-user-id")
        return user_id

    def has_member(self, browser, room_id, user_id):
        return bool(browser.query(
            f'{browser.room_view(room_id)} {hook("members")} {hook("member", data_user_id=user_id)}'))

    def check_sequence(self, browser, room_id, where):
        """No duplicate, missing or unordered data-seq among the room's stored messages."""
        seqs = [int(m["seq"]) for m in browser.messages(room_id) if m["seq"]]
        if len(seqs) != len(set(seqs)):
            duplicates = sorted({s for s in seqs if seqs.count(s) > 1})
            raise Failure(f"{browser.name} ({where}): duplicate data-seq {duplicates} in {seqs}")
        if seqs != sorted(seqs):
            raise Failure(f"{browser.name} ({where}): messages not in seq order: {seqs}")
        if seqs and seqs != list(range(seqs[0], seqs[-1] + 1)):
            missing = sorted(set(range(seqs[0], seqs[-1] + 1)) - set(seqs))
            raise Failure(f"{browser.name} ({where}): missing data-seq {missing} in {seqs}")
        return seqs

    # --- the parts -----------------------------------------------------------------------------

    def run(self):
        self.start()
        self.step("register A (gateway A) and B (gateway B, through the proxy)")
        self.register(self.a, self.user_a, screenshot="login")
        self.register(self.b, self.user_b)

        room = self.public_room_exchange()
        self.typing(room)
        self.cut_and_resume(room)
        self.text_is_never_html(room)
        self.phone_size(room)
        history = self.history_on_scroll()
        self.unread_counts(room, history)
        self.private_room_and_dm()
        self.logout_closes_other_tab()
        for browser in self.browsers:
            path = browser.save_console(f"console-{browser.name}")
            severe = [e for e in browser.console if e.get("level") == "SEVERE"]
            log(f"{browser.name}: {len(browser.console)} console entries ({len(severe)} SEVERE) in {path}")

    def public_room_exchange(self):
        self.step("A creates a public room, B joins it by id, messages both ways")
        room = self.create_room(self.a, "browser-" + suffix(), topic="about testing")
        topic = self.a.text(f'{self.a.room_view(room)} {hook("room-topic")}') or ""
        if "about testing" not in topic:
            raise Failure(f"A: room-topic shows {topic!r}, expected 'about testing'")
        self.join_room(self.b, room)
        name_b = self.b.text(f'{self.b.room_view(room)} {hook("room-name")}')
        if not name_b or not name_b.startswith("browser-"):
            raise Failure(f"B: room-name shows {name_b!r} in room {room}")

        # Presence: each sees the other in the room's members (A sees B arrive live).
        self.id_a = self.member_id(self.b, room, self.user_a)
        self.id_b = self.member_id(self.a, room, self.user_b)
        log(f"user ids: A={self.id_a} B={self.id_b}")

        hello_a = "hello from A " + suffix()
        self.a.send(room, hello_a)
        mine = self.a.wait_acked(room, hello_a, own=True)
        theirs = self.b.wait_acked(room, hello_a, own=False)
        if theirs["seq"] != mine["seq"] or theirs["author"] is None or self.user_a not in theirs["author"]:
            raise Failure(f"B sees A's message as {theirs}, A as {mine}")
        hello_b = "hello from B " + suffix()
        self.b.send(room, hello_b)
        self.b.wait_acked(room, hello_b, own=True)
        seen = self.a.wait_acked(room, hello_b, own=False)
        if seen["author"] is None or self.user_b not in seen["author"]:
            raise Failure(f"A sees B's message with author {seen['author']!r}")
        for browser in (self.a, self.b):
            self.check_sequence(browser, room, "after the first exchange")
            if not browser.query(f'{browser.room_view(room)} {hook("message")} {hook("message-time")}'):
                raise Failure(f"{browser.name}: messages have no message-time")
        self.a.screenshot("room-A")
        self.b.screenshot("room-B")
        return room

    def typing(self, room):
        self.step("A types, B sees the typing indicator")
        composer = self.a.element(f'{self.a.room_view(room)} {hook("composer")}')
        composer.send_keys("I am typ")
        self.b.wait(lambda: self.user_a in (self.b.text(hook("typing-indicator")) or "")
                    and self.b.visible(hook("typing-indicator")),
                    f"typing-indicator naming {self.user_a}")
        composer.send_keys(Keys.CONTROL, "a")
        composer.send_keys(Keys.DELETE)
        self.a.wait(lambda: composer.get_attribute("value") == "", "an empty composer")

    def cut_and_resume(self, room):
        self.step("cut B's connection: B reconnects and shows what it missed exactly once")
        before = len([m for m in self.b.messages(room) if m["seq"]])
        cut_at = self.proxy.cut()
        self.b.wait_state("reconnecting")
        self.b.screenshot("reconnecting-B")

        # B sends while cut: the message stays pending.
        offline = "sent by B while cut " + suffix()
        self.b.send(room, offline)
        pending = self.b.wait_message(room, offline, f"B's message {offline!r} shown as pending", pending=True)
        if pending["seq"]:
            raise Failure(f"B: a message sent while cut already has a seq: {pending}")
        cmid = pending["cmid"]
        if not cmid:
            raise Failure(f"B: the pending message has no data-client-msg-id: {pending}")

        # A sends three messages while B is cut; A has them stored before B comes back.
        missed = [f"missed {i} " + suffix() for i in (1, 2, 3)]
        for text in missed:
            self.a.send(room, text)
        for text in missed:
            self.a.wait_acked(room, text, own=True)
        if self.b.state() == "connected":
            raise Failure("B: connection-state is 'connected' while the proxy refuses every connection")
        if any(m["content"] in missed for m in self.b.messages(room)):
            raise Failure("B shows a message sent while it was cut before it reconnected")
        still = self.b.wait_message(room, offline, "B's offline message still pending", pending=True)
        if still["seq"]:
            raise Failure(f"B: the offline message got a seq while cut: {still}")
        # Gateway B saw B's only connection go: A sees B leave the room.
        self.a.wait(lambda: not self.has_member(self.a, room, self.id_b),
                    f"B (user {self.id_b}) gone from A's members while B is cut")

        self.proxy.resume(cut_at)
        self.b.wait_state("connected")
        self.a.wait(lambda: self.has_member(self.a, room, self.id_b), f"B back in A's members after its reconnect")
        for text in missed:
            self.b.wait_acked(room, text, own=False)
        acked = self.b.wait_acked(room, offline, own=True)
        if acked["cmid"] != cmid:
            raise Failure(f"B: the offline message's client-msg-id changed from {cmid!r} to {acked['cmid']!r}")
        self.a.wait_acked(room, offline, own=False)

        # A barrier: B's next message comes after everything sent before it (one order per room),
        # so a late duplicate of anything above would be on screen by the time it is.
        marker = "after the reconnect " + suffix()
        self.b.send(room, marker)
        self.b.wait_acked(room, marker, own=True)
        self.a.wait_acked(room, marker, own=False)

        messages = self.b.messages(room)
        for text in missed + [offline]:
            count = sum(1 for m in messages if m["content"] == text)
            if count != 1:
                raise Failure(f"B shows {text!r} {count} times after the reconnect")
        with_cmid = [m for m in messages if m["cmid"] == cmid]
        if len(with_cmid) != 1 or not with_cmid[0]["seq"]:
            raise Failure(f"B: {len(with_cmid)} elements with data-client-msg-id {cmid!r}: {with_cmid}")
        in_a = [m for m in self.a.messages(room) if m["content"] == offline]
        if len(in_a) != 1 or in_a[0]["seq"] != with_cmid[0]["seq"]:
            raise Failure(f"A shows B's offline message as {in_a}, B as {with_cmid}")
        seqs = self.check_sequence(self.b, room, "after the reconnect")
        missed_seqs = [int(m["seq"]) for m in messages if m["content"] in missed]
        if missed_seqs != sorted(missed_seqs):
            raise Failure(f"B shows the missed messages out of order: {missed_seqs}")
        self.check_sequence(self.a, room, "after B's reconnect")
        log(f"B: {len(seqs)} messages (seq {seqs[0]}..{seqs[-1]}, {before} before the cut), "
            f"the 3 missed once each, its offline message acked once as seq {with_cmid[0]['seq']}")

    def text_is_never_html(self, room):
        self.step("text is never HTML")
        payload = "<img src=x onerror=alert(1)><b>bold</b>"
        self.a.send(room, payload)
        for browser, own in ((self.a, True), (self.b, False)):
            message = browser.wait_acked(room, payload, own=own)
            if message["elements"] != 0:
                raise Failure(f"{browser.name}: message-content of {payload!r} holds {message['elements']} element(s)")
            try:
                alert = browser.driver.switch_to.alert
                raise Failure(f"{browser.name}: an alert opened: {alert.text!r}")
            except NoAlertPresentException:
                pass
            images = browser.driver.execute_script(
                "return document.querySelectorAll(arguments[0] + ' img, ' + arguments[0] + ' b').length;",
                f'{browser.room_view(room)} {hook("messages")}')
            if images:
                raise Failure(f"{browser.name}: {images} img/b element(s) in the message list")

    def phone_size(self, room):
        self.step("phone size (390x844)")
        self.b.driver.set_window_size(390, 844)
        try:
            self.b.wait(lambda: self.b.driver.execute_script("return window.innerWidth") <= 390, "a 390 px wide viewport")
            self.b.wait(lambda: self.b.visible(f'{self.b.room_view(room)} {hook("composer")}'),
                        "the composer visible at phone size")
            overflow = self.b.driver.execute_script(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth;")
            if overflow > 1:
                log(f"B: note: the page scrolls sideways at phone size ({overflow} px wider than the viewport)")
            self.b.screenshot("phone-B")
        finally:
            self.b.driver.set_window_size(1280, 900)

    def history_on_scroll(self):
        self.step(f"history: {HISTORY_MESSAGES} messages, B loads older pages by scrolling up")
        room = self.create_room(self.a, "history-" + suffix())
        texts = [f"history {i:03d}" for i in range(1, HISTORY_MESSAGES + 1)]
        for text in texts:
            self.a.send(room, text)
        self.a.wait_acked(room, texts[-1], own=True)
        seqs = self.check_sequence(self.a, room, "after sending the history")
        if len(seqs) != HISTORY_MESSAGES:
            raise Failure(f"A shows {len(seqs)} stored messages of {HISTORY_MESSAGES} sent")

        self.join_room(self.b, room)
        self.b.wait_acked(room, texts[-1], own=False)
        first = len([m for m in self.b.messages(room) if m["seq"]])
        log(f"B: first page shows {first} of {HISTORY_MESSAGES} messages")
        if first >= HISTORY_MESSAGES:
            raise Failure(f"B shows all {first} messages on opening the room: the history is not paged "
                          f"(expected the newest page, e.g. 50, and older pages on scrolling up)")
        messages_list = f'{self.b.room_view(room)} {hook("messages")}'

        def scrolled_all():
            scrolled = self.b.driver.execute_script(SCROLL_TO_TOP, messages_list)
            if not scrolled:
                raise Failure(f"B: neither the message list nor a parent of it scrolls in room {room}")
            return len([m for m in self.b.messages(room) if m["seq"]]) >= HISTORY_MESSAGES
        self.b.wait(scrolled_all, f"all {HISTORY_MESSAGES} messages after scrolling the message list up")
        seqs = self.check_sequence(self.b, room, "after scrolling up")
        if seqs != list(range(1, HISTORY_MESSAGES + 1)):
            raise Failure(f"B shows seqs {seqs}, expected 1..{HISTORY_MESSAGES}")
        contents = [m["content"] for m in self.b.messages(room) if m["seq"]]
        if contents != texts:
            raise Failure(f"B shows the history as {contents[:5]}..., expected {texts[:5]}...")
        requests = self.b.driver.execute_script(
            "return performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('before_seq'));")
        if not requests:
            raise Failure("B loaded the older messages without a before_seq request")
        log(f"B: all {HISTORY_MESSAGES} messages after scrolling up ({len(requests)} before_seq request(s), "
            f"e.g. {requests[0].split('/v1/', 1)[-1]})")
        return room

    def wait_listed(self, browser, room_id, what):
        """Waits until `room_id` is in `browser`'s my-rooms. Nothing tells a client that it was
        added to a room: the list is read again with its Refresh button, every 2 s."""
        item = f'{hook("my-rooms")} {hook("room-item", data_room_id=room_id)}'
        clicked = [0.0]

        def listed():
            if browser.visible(item):
                return True
            if time.monotonic() - clicked[0] >= 2.0:
                clicked[0] = time.monotonic()
                browser.click("refresh-rooms")
            return False
        browser.wait(listed, what)
        return item

    def open_listed(self, browser, item, room_id):
        browser.element(f"{item} button", f"the button of {item}").click()
        browser.wait_room_open(room_id)

    def unread_counts(self, room, other_room):
        self.step("unread count of an open room not in view")
        # B views `other_room`; A goes back to `room` (its open-rooms entry) and writes there.
        self.b.wait_room_open(other_room)
        self.a.element(f'{hook("open-room", data_room_id=room)} button', f"A's open-rooms entry of room {room}").click()
        self.a.wait_room_open(room)
        texts = ["unread one " + suffix(), "unread two " + suffix()]
        for text in texts:
            self.a.send(room, text)
        for text in texts:
            self.a.wait_acked(room, text, own=True)
        unread = f'{hook("open-rooms")} {hook("open-room", data_room_id=room)} {hook("unread")}'
        self.b.wait(lambda: self.b.text_content(unread) == "2",
                    lambda: f"unread = 2 on B's open-rooms entry of room {room} (it shows {self.b.text_content(unread)!r})")
        self.b.element(f'{hook("open-room", data_room_id=room)} button').click()
        self.b.wait_room_open(room)
        for text in texts:
            self.b.wait_acked(room, text, own=False)
        self.b.wait(lambda: not self.b.visible(unread) or self.b.text_content(unread) in ("", "0"),
                    f"no unread count on room {room} once B views it")
        self.check_sequence(self.b, room, "after reading the unread messages")

    def private_room_and_dm(self):
        self.step("private room: A adds B as participant, B sees it, A removes B, B gets a notice")
        room = self.create_room(self.a, "private-" + suffix(), visibility="private")
        view = self.a.room_view(room)
        self.a.fill("add-participant-id", self.id_b)
        Select(self.a.element(f'{view} {hook("add-participant-role")}')).select_by_value("member")
        self.a.click("add-participant-submit")
        participant = f'{view} {hook("participants")} {hook("participant", data_user_id=self.id_b)}'

        def role_of_b():
            return self.a.text_content(f'{participant} {hook("participant-role")}')
        self.a.wait(lambda: role_of_b() == "member",
                    lambda: f"B (user {self.id_b}) in A's participants as member (its participant-role says {role_of_b()!r})")
        owner_role = self.a.text_content(
            f'{view} {hook("participants")} {hook("participant", data_user_id=self.id_a)} {hook("participant-role")}')
        if owner_role != "owner":
            raise Failure(f"A: its own participant-role in its private room says {owner_role!r}, expected 'owner'")
        self.a.screenshot("private-participants-A")

        item = self.wait_listed(self.b, room, f"the private room {room} in B's my-rooms")
        self.open_listed(self.b, item, room)
        self.b.wait_state("connected")
        secret = "for participants only " + suffix()
        self.a.send(room, secret)
        self.b.wait_acked(room, secret, own=False)
        self.b.screenshot("private-room-B")

        # A removes B: B's view of the room closes with a notice, and the room leaves its my-rooms.
        notice_before = self.b.text_content(hook("notice"))
        self.a.element(f'{participant} {hook("participant-remove")}', "a participant-remove button on B's row").click()
        self.a.wait(lambda: not self.a.query(participant), "B gone from A's participants")

        def noticed():
            text = self.b.text_content(hook("notice"))
            return self.b.visible(hook("notice")) and text and text != notice_before and text
        notice = self.b.wait(noticed, "a new notice for B after being removed")
        log(f"B: notice {notice!r}")
        self.b.wait(lambda: not self.b.visible(self.b.room_view(room)), f"B's view of room {room} closed")
        self.b.wait(lambda: not self.b.visible(item), f"the private room {room} gone from B's my-rooms")

        self.step("direct message from A to B")
        self.a.fill("dm-user-id", self.id_b)
        self.a.click("dm-submit")

        def dm_opened():
            for view in self.a.query(hook("room-view")):
                room_id = view.get_attribute("data-room-id")
                if view.is_displayed() and room_id and room_id != room:
                    return room_id
            return None
        dm = self.a.wait(dm_opened, "the direct-message room view")
        name = self.a.text(f'{self.a.room_view(dm)} {hook("room-name")}') or ""
        if self.user_b not in name:
            raise Failure(f"A: the direct-message room is named {name!r}, expected it to name {self.user_b}")
        hello = "direct hello " + suffix()
        self.a.send(dm, hello)
        self.a.wait_acked(dm, hello, own=True)
        dm_item = self.wait_listed(self.b, dm, f"the direct-message room {dm} in B's my-rooms")
        self.open_listed(self.b, dm_item, dm)
        self.b.wait_acked(dm, hello, own=False)
        reply = "direct reply " + suffix()
        self.b.send(dm, reply)
        self.a.wait_acked(dm, reply, own=False)

    def logout_closes_other_tab(self):
        self.step("logout in one of A's tabs closes the other tab's socket")
        driver = self.a.driver
        first = driver.current_window_handle
        driver.execute_script("window.open(location.href)")
        self.a.wait(lambda: len(driver.window_handles) == 2, "a second tab")
        second = [h for h in driver.window_handles if h != first][0]
        driver.switch_to.window(second)
        self.a.wait(lambda: self.a.visible(hook("app-view")), "the app view in the second tab (token from sessionStorage)")
        self.a.wait_state("connected")
        driver.switch_to.window(first)
        self.a.wait_state("connected")
        self.a.click("logout")
        self.a.element(hook("login-view"), "the login view in the tab that logged out")
        driver.switch_to.window(second)
        self.a.wait(lambda: self.a.visible(hook("login-view")) and not self.a.visible(hook("app-view")),
                    "the login view in the other tab (its socket closed with 4001)")
        self.a.screenshot("logged-out-other-tab-A")
        driver.switch_to.window(first)

    # --- failure and exit ----------------------------------------------------------------------

    def save_failure(self):
        for browser in self.browsers:
            browser.save_failure()

    def stop(self):
        for browser in self.browsers:
            browser.quit()
        if self.proxy:
            self.proxy.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gateway-a", required=True, help="http://127.0.0.1:PORT of gateway A")
    parser.add_argument("--gateway-b", required=True, help="http://127.0.0.1:PORT of gateway B")
    parser.add_argument("--screenshots", default=os.environ.get("CHORUS_TEST_SCREENSHOTS"),
                        help="folder for screenshots and failure evidence (default $CHORUS_TEST_SCREENSHOTS)")
    parser.add_argument("--chromedriver", default=os.environ.get("CHORUS_TEST_CHROMEDRIVER", "/usr/bin/chromedriver"))
    parser.add_argument("--chromium", default=os.environ.get("CHORUS_TEST_CHROMIUM", "/usr/bin/chromium"))
    options = parser.parse_args()
    if not options.screenshots:
        parser.error("--screenshots DIR (or CHORUS_TEST_SCREENSHOTS) is required")
    for path, what in ((options.chromedriver, "chromedriver"), (options.chromium, "chromium")):
        if not os.access(path, os.X_OK):
            print(f"chat_browser_test: {what} not found at {path} (scripts/test installs it)", file=sys.stderr)
            return 2
    os.makedirs(options.screenshots, exist_ok=True)
    options.screenshots = os.path.abspath(options.screenshots)
    # SIGTERM (the Swift test's time limit) ends the run through `finally`: browsers quit.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    scenario = Scenario(options)
    try:
        scenario.run()
    except (Failure, WebDriverException, AssertionError, OSError) as error:
        message = error.msg if isinstance(error, WebDriverException) else str(error)
        log(f"FAILED: {error.__class__.__name__}: {message}")
        traceback.print_exc(file=sys.stdout)
        scenario.save_failure()
        log(f"evidence (screenshots, page sources, console logs) in {options.screenshots}")
        return 1
    finally:
        scenario.stop()
    log(f"PASSED in {time.monotonic() - STARTED:.1f} s; screenshots in {options.screenshots}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
