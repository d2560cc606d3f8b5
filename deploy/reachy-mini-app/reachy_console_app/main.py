"""Starts `reachy-console app` as a child process, forwards SIGINT/SIGTERM to it and exits with its exit code.

The Reachy Mini dashboard starts apps declared in the ``reachy_mini_apps`` entry point group; this module gives it
``ReachyConsoleApp`` (a ``ReachyMiniApp`` when the ``reachy_mini`` package is installed) whose settings page is
served by the Node app on port 8842. ``main()`` is the same thing as a plain process (systemd, a terminal, tests).

Environment:
  REACHY_CONSOLE_BIN       command that runs the console CLI (default: ``reachy-console`` on PATH); may hold
                           arguments, e.g. ``node /opt/reachy-console/bin/reachy-console.mjs``
  REACHY_CONSOLE_APP_PORT  settings page port (default 8842), read by the Node app
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import threading
from typing import List, Optional, Sequence

SETTINGS_PORT = int(os.environ.get("REACHY_CONSOLE_APP_PORT", "8842") or "8842")
SETTINGS_URL = f"http://0.0.0.0:{SETTINGS_PORT}"


def console_command(extra: Sequence[str] = ()) -> List[str]:
    """The argv that starts `reachy-console app`."""
    raw = os.environ.get("REACHY_CONSOLE_BIN", "").strip()
    if raw:
        base = shlex.split(raw)
    else:
        found = shutil.which("reachy-console")
        if not found:
            raise FileNotFoundError(
                "reachy-console not found on PATH: install the Node package (see README 'On the robot') "
                "or set REACHY_CONSOLE_BIN"
            )
        base = [found]
    return [*base, "app", *extra]


def run_app(extra: Sequence[str] = (), stop_event: Optional[threading.Event] = None) -> int:
    """Runs the app until it exits (or `stop_event` is set); signals received here are passed on to it."""
    cmd = console_command(extra)
    # Its own session: a Ctrl-C in a terminal reaches the child once (forwarded by us), not twice.
    child = subprocess.Popen(cmd, start_new_session=True)
    print(f"reachy-console app started (pid {child.pid}), settings on port {SETTINGS_PORT}", file=sys.stderr, flush=True)

    def forward(signum: int, _frame: object) -> None:
        if child.poll() is None:
            child.send_signal(signum)

    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = {}
    if in_main_thread:
        for s in (signal.SIGINT, signal.SIGTERM):
            previous[s] = signal.signal(s, forward)
    try:
        while True:
            try:
                return child.wait(timeout=0.2)
            except subprocess.TimeoutExpired:
                if stop_event is not None and stop_event.is_set() and child.poll() is None:
                    child.send_signal(signal.SIGTERM)
                    stop_event = None
    finally:
        if child.poll() is None:
            # We are going away (an exception): do not leave the driver running without a parent.
            child.terminate()
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
        for s, h in previous.items():
            signal.signal(s, h)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        code = run_app(args)
    except FileNotFoundError as exc:
        print(f"reachy-console-app: {exc}", file=sys.stderr)
        return 127
    # A child killed by a signal reports -N; exit like a shell would.
    return 128 - code if code < 0 else code


try:  # The dashboard's base class, when this runs on the robot.
    from reachy_mini import ReachyMiniApp as _Base  # type: ignore
except Exception:  # noqa: BLE001 - any import problem means "not on a robot"
    _Base = object  # type: ignore


class ReachyConsoleApp(_Base):  # type: ignore[misc, valid-type]
    """Dashboard app: runs `reachy-console app` until the dashboard stops it."""

    custom_app_url: Optional[str] = SETTINGS_URL
    # The Node driver talks to the daemon itself (REST + /ws/sdk); it needs no media from the SDK.
    request_media_backend: Optional[str] = None

    def run(self, reachy_mini: object, stop_event: threading.Event) -> None:
        _ = reachy_mini
        code = run_app((), stop_event)
        if code not in (0, -signal.SIGTERM, -signal.SIGINT):
            raise RuntimeError(f"reachy-console app exited with code {code}")


if __name__ == "__main__":
    sys.exit(main())
