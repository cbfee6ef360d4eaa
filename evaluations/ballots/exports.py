"""The tally as an Excel list (accounts.listing: inline when small, a background job when large)."""

from __future__ import annotations


def register_exports() -> None:
    return None
