"""Hypothesis keeps its caches in a temporary directory, not in the working tree."""

from __future__ import annotations

import tempfile

from hypothesis.configuration import set_hypothesis_home_dir

set_hypothesis_home_dir(tempfile.mkdtemp(prefix="devreg-hypothesis-"))
