"""Fixtures of the Python SDK's tests: `start_node(modules, timings, journal)` starts a real plexus-node
(build/bin, or $PLEXUS_BIN_DIR) and stops it after the test."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable, Iterator, List

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from node import BIN, PlexusNode  # noqa: E402


@pytest.fixture
def start_node(tmp_path: Path) -> Iterator[Callable[..., PlexusNode]]:
    if not (BIN / "plexus-node").exists():
        pytest.fail(f"no plexus-node in {BIN}: build it first (or set PLEXUS_BIN_DIR)")
    nodes: List[PlexusNode] = []

    def start(modules: str, timings: str = "", journal: str = "") -> PlexusNode:
        node = PlexusNode(tmp_path, modules, timings, journal=journal)
        nodes.append(node)
        node.start()
        return node

    yield start
    for node in nodes:
        node.close()
