"""The small demo organisation that the demo-story tests build on (appraisal_site.demo)."""

from __future__ import annotations

STAFF = 12
SEED = 5
