"""The Python SDK's run() outcomes against the real plexus-node: a refused type, a refused
subscription (1), stop() (0), node shutdown (0), the node's Goodbye on unload (0), async
handlers under run_async(), and ConnectError outside the spawn contract."""

from __future__ import annotations

import os
import subprocess
import sys

from node import RECORDER, module_block, read_records, wait_for


def records_of(out, kind):
    return [r for r in read_records(out) if r["kind"] == kind]


def test_a_refused_type_is_reported_and_the_rest_subscribed(start_node, tmp_path):
    out = tmp_path / "rec.jsonl"
    node = start_node(module_block(
        "rec", out, {"subscribe": "NEW_BLOCK,NEW_TRANSACTION",
                     "filter.NEW_TRANSACTION": "fe >= 1"}))
    wait_for(lambda: node.state("rec") == "MODULE_STATE_READY", what="rec ready")
    wait_for(lambda: "plexus-sdk: module 'rec': subscription refused: NewTransaction:" in node.log(),
             what="the refusal on the module's stderr")
    subscribers = node.ctl("subscribers", "NewBlock").stdout
    assert "rec" in subscribers and "rec" not in node.ctl("subscribers", "NewTransaction").stdout
    node.ctl("publish", "NewBlock", "--payload", '{"hash":"01","height":1}')
    wait_for(lambda: [r for r in records_of(out, "event") if r["type"] == "NEW_BLOCK"],
             what="a block")
    node.ctl("unload", "rec")  # the node's Goodbye: run() returns 0
    done = wait_for(lambda: records_of(out, "exit"), what="run() returned")[0]
    assert done["status"] == 0
    assert "NEW_TRANSACTION" in done["refused"] and "fe" in done["refused"]["NEW_TRANSACTION"]


def test_a_refused_subscription_returns_1(start_node, tmp_path):
    out = tmp_path / "rec.jsonl"
    node = start_node(module_block(
        "rec", out, {"subscribe": "CHAIN_REORG"},
        "  restart: RESTART_POLICY_NEVER\n  capabilities { subscribe: [EVENT_TYPE_NEW_BLOCK] }\n"))
    done = wait_for(lambda: records_of(out, "exit"), what="run() returned")[0]
    assert done["status"] == 1
    assert "plexus-sdk: module 'rec': subscription refused:" in node.log()
    wait_for(lambda: node.state("rec") in ("MODULE_STATE_CRASHED", "MODULE_STATE_FAILED",
                                           "MODULE_STATE_STOPPED"), what="rec exited")


def test_stop_returns_0_after_the_events_received(start_node, tmp_path):
    out = tmp_path / "rec.jsonl"
    node = start_node(module_block("rec", out, {"subscribe": "NEW_BLOCK", "stop_after": "3"},
                                   "  restart: RESTART_POLICY_NEVER\n"))
    wait_for(lambda: node.state("rec") == "MODULE_STATE_READY", what="rec ready")
    node.ctl("publish", "NewBlock", "--payload", '{"hash":"01","height":1}', "--count", "3")
    done = wait_for(lambda: records_of(out, "exit"), what="run() returned")[0]
    assert done["status"] == 0
    wait_for(lambda: node.state("rec") == "MODULE_STATE_STOPPED", what="rec stopped")
    assert node.module("rec")["last_exit"] != ""  # its Goodbye's reason or exit, as the node saw it
    stats = node.stats("rec")
    assert int(stats["acked"]) == 3 and int(stats.get("lost", 0)) == 0


def test_node_shutdown_returns_0(start_node, tmp_path):
    out = tmp_path / "rec.jsonl"
    node = start_node(module_block("rec", out, {"subscribe": "NEW_BLOCK"}))
    wait_for(lambda: node.state("rec") == "MODULE_STATE_READY", what="rec ready")
    assert node.stop() == 0
    shutdown = [r for r in records_of(out, "event") if r["type"] == "NODE_SHUTDOWN"]
    assert len(shutdown) == 1 and shutdown[0]["lifecycle"]
    done = records_of(out, "exit")
    assert done and done[0]["status"] == 0
    assert "did not exit" not in node.log() and "SIGKILL" not in node.log()


def test_async_handlers_under_run_async(start_node, tmp_path):
    relay_out, sink_out = tmp_path / "relay.jsonl", tmp_path / "sink.jsonl"
    modules = module_block(
        "relay", relay_out, {"subscribe": "NEW_BLOCK", "publish_on_block": "NEW_TRANSACTION",
                             "use_async": "1"},
        "  channel_capacity: 4\n  policy: DELIVERY_POLICY_BLOCK\n"
        "  capabilities { publish: [EVENT_TYPE_NEW_TRANSACTION] }\n")
    modules += module_block("sink", sink_out, {"subscribe": "NEW_TRANSACTION", "use_async": "1"})
    node = start_node(modules)
    for name in ("relay", "sink"):
        wait_for(lambda: node.state(name) == "MODULE_STATE_READY", what=f"{name} ready")
    node.ctl("publish", "NewBlock", "--payload", '{"hash":"01","height":5}', "--count", "20")
    txs = wait_for(lambda: len([r for r in records_of(sink_out, "event")
                                if r["type"] == "NEW_TRANSACTION"]) == 20, what="20 txs")
    assert txs
    blocks = [r for r in records_of(relay_out, "event") if r["type"] == "NEW_BLOCK"]
    assert [b["seq"] for b in blocks] == list(range(1, 21))
    assert node.stop() == 0
    assert [r["status"] for r in records_of(relay_out, "exit")] == [0]


def test_connect_error_outside_the_spawn_contract(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLEXUS_")}
    env["PYTHONPATH"] = os.environ.get("PLEXUS_PYTHON_DIR", "")
    result = subprocess.run([sys.executable, str(RECORDER)], env=env, capture_output=True,
                            text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert result.returncode != 0
    assert "plexus.errors.ConnectError: PLEXUS_MODULE_ID and PLEXUS_ENDPOINT are not set" in \
        result.stderr


def test_connect_error_for_a_wrong_token(start_node, tmp_path):
    node = start_node("")
    code = ("import plexus\n"
            "try:\n"
            "    plexus.Module.from_environment(timeout=5)\n"
            "except plexus.ConnectError as e:\n"
            "    print('ConnectError:', e)\n")
    env = dict(os.environ, PLEXUS_MODULE_ID="intruder",
               PLEXUS_ENDPOINT=f"ipc://{node.runtime_dir}/modules.sock",
               PYTHONPATH=os.environ.get("PLEXUS_PYTHON_DIR", ""))
    result = subprocess.run([sys.executable, "-c", code], env=env, input="0" * 64 + "\n",
                            capture_output=True, text=True, timeout=30)
    assert "ConnectError: plexus-node refused the credentials of module 'intruder'" in \
        result.stdout, result.stdout + result.stderr


# With PlexusNode's heartbeat_interval_ms: 200.
LIVENESS = "  missed_heartbeats: 2\n  dead_timeout_ms: 600\n  stall_timeout_ms: 5000\n"


def test_liveness_slow_set_up_idle_and_a_long_handler(start_node, tmp_path):
    """The node kills a module silent for dead_timeout_ms (600 ms here). The SDK's I/O thread
    heartbeats during a slow set-up before run(), run() heartbeats while idle, and a handler
    longer than that is seen as busy (events in flight, process running), not hung."""
    out = tmp_path / "rec.jsonl"
    node = start_node(module_block("rec", out, {"subscribe": "NEW_BLOCK", "sleep_before_run": "1.5",
                                                "sleep_in_block": "1.2"}),
                      timings=LIVENESS)
    wait_for(lambda: node.state("rec") == "MODULE_STATE_READY", what="rec ready")
    first = node.module("rec")
    wait_for(lambda: int(node.module("rec")["uptime_ms"]) >= 3000, what="3 s of uptime")
    node.ctl("publish", "NewBlock", "--payload", '{"hash":"01","height":1}', "--count", "2")
    wait_for(lambda: int(node.stats("rec").get("acked", 0)) == 2, what="2 slow blocks acked")
    row = node.module("rec")
    assert row["pid"] == first["pid"] and row["incarnation"] == "1" and row["restarts"] == 0
    assert row["health"] == "HEALTH_HEALTHY", row
    assert "hung" not in node.log() and "missed heartbeats" not in node.log()


def test_another_protocol_major_is_a_connect_error(start_node, tmp_path):
    script = tmp_path / "major2.py"
    script.write_text(
        "import os, sys, plexus\n"
        "from plexus.module import read_token\n"
        "options = plexus.ConnectOptions(os.environ['PLEXUS_MODULE_ID'],\n"
        "                                os.environ['PLEXUS_ENDPOINT'], read_token(5.0),\n"
        "                                protocol_major=2, protocol_minor=0)\n"
        "try:\n"
        "    plexus.Module.connect(options)\n"
        "except plexus.ConnectError as e:\n"
        "    print('ConnectError:', e, flush=True)\n"
        "    sys.exit(3)\n")
    node = start_node(f'module {{\n  name: "major2"\n  exec: "{sys.executable}"\n'
                      f'  args: "{script}"\n  restart: RESTART_POLICY_NEVER\n}}\n')
    wait_for(lambda: "ConnectError: plexus-node refused the handshake of module 'major2'" in
             node.log(), what="the ConnectError")
    assert "is not supported" in node.log()
    wait_for(lambda: node.state("major2") == "MODULE_STATE_FAILED", what="major2 failed")
