"""The worked example of module-sdk/python/README.md, run as written by the real node."""

from __future__ import annotations

import re
import sys

from node import REPO, wait_for


def readme_example() -> str:
    text = (REPO / "module-sdk/python/README.md").read_text()
    return re.search(r"```python\n(.*?)```", text, re.S).group(1)


def test_the_readme_example_runs(start_node, tmp_path):
    script = tmp_path / "fees.py"
    script.write_text(readme_example())
    node = start_node(
        f'module {{\n  name: "fees"\n  exec: "{sys.executable}"\n  args: "{script}"\n'
        '  settings { key: "every" value: "2" }\n'
        "  capabilities { publish: [EVENT_TYPE_NEW_TRANSACTION] }\n}\n")
    wait_for(lambda: node.state("fees") == "MODULE_STATE_READY", what="fees ready")
    node.ctl("publish", "NewBlock", "--payload", '{"hash":"01","height":4}')
    wait_for(lambda: "tx for block 4: 0 module(s) took it" in node.log(), what="its publish")
    node.ctl("publish", "NewTransaction", "--payload", '{"txid":"a","fee":5000}')
    node.ctl("publish", "NewTransaction", "--payload", '{"txid":"b","fee":10}')  # filtered out
    wait_for(lambda: int(node.stats("fees").get("acked", 0)) >= 2, what="2 acked")
    # Turned away by its filter: its own tx4 (fee 1) and "b".
    assert int(node.stats("fees")["filtered"]) == 2
    assert node.stop() == 0
    assert "total fees seen: 5000; the node delivered" in node.log(), node.log()
