"""Reachy Mini dashboard wrapper that runs `reachy-console app` (settings page on :8842)."""

from .main import SETTINGS_PORT, SETTINGS_URL, ReachyConsoleApp, main

__all__ = ["SETTINGS_PORT", "SETTINGS_URL", "ReachyConsoleApp", "main"]
