// config_fuzz seeds: the embedded default, the documented example, every field, and each
// refusal of the parser and the validator.

#include <string>

#include "config/config.h"
#include "seed_corpora.h"

namespace plexus::fuzz::seeds {

void configs(Writer& out) {
  const std::string target = "config_fuzz";
  out.write(target, "embedded_default", host::embeddedDefaultConfig());
  out.write(target, "docs_example",
            R"pb(runtime_dir: "/run/plexus"
                 default_channel_capacity: 100

                 module {
                   name: "chainsim"
                   exec: "plexus-chainsim"  # beside plexus-node, else on PATH
                   settings { key: "blocks_per_s" value: "2" }
                   capabilities { publish: [ EVENT_TYPE_NEW_BLOCK, EVENT_TYPE_NEW_TRANSACTION ] }
                 }
                 module {
                   name: "archiver"
                   exec: "/opt/archiver/bin/archiver"
                   args: "--verbose"
                   channel_capacity: 1000
                   policy: DELIVERY_POLICY_BLOCK  # must not lose events
                   restart: RESTART_POLICY_ALWAYS
                   settings { key: "out" value: "/var/lib/archiver" }
                   limits { address_space_bytes: 2147483648 open_files: 256 }
                 }

                 timings { shutdown_grace_ms: 10000 }
                 log {
                   level: "info"
                   components { key: "events" value: "debug" }
                 }
            )pb");
  out.write(target, "every_field",
            R"pb(runtime_dir: "/tmp/plexus-test"
                 default_channel_capacity: 50
                 data_dir: "/var/lib/plexus"
                 disk_space_low_bytes: 1073741824
                 max_message_bytes: 1048576
                 module_request_rate: 500
                 module {
                   name: "logger"
                   exec: "plexus-logger"
                   args: [ "--json", "--color=never" ]
                   channel_capacity: 20
                   policy: DELIVERY_POLICY_DROP
                   restart: RESTART_POLICY_NEVER
                   settings { key: "types" value: "NewBlock,ModuleLoaded" }
                   settings { key: "out" value: "/tmp/log.jsonl" }
                   limits {
                     address_space_bytes: 1
                     open_files: 64
                     cpu_seconds: 10
                     rss_soft_limit_bytes: 4096
                   }
                   capabilities {
                     subscribe: [ EVENT_TYPE_NEW_BLOCK, EVENT_TYPE_MODULE_LOADED ]
                     publish: []
                   }
                   disabled: true
                 }
                 timings {
                   handshake_timeout_ms: 1
                   heartbeat_interval_ms: 2
                   missed_heartbeats: 3
                   dead_timeout_ms: 4
                   stall_timeout_ms: 5
                   block_timeout_ms: 6
                   restart_backoff_initial_ms: 7
                   restart_backoff_max_ms: 8
                   crash_limit: 9
                   crash_window_ms: 10
                   stable_after_ms: 11
                   shutdown_grace_ms: 12
                   kill_after_ms: 13
                   health_check_interval_ms: 14
                   stats_log_interval_ms: 15
                   resource_check_interval_ms: 16
                 }
                 log {
                   level: "debug"
                   components { key: "module.logger" value: "trace" }
                   components { key: "node" value: "off" }
                 }
                 maintenance {
                   operation: MAINTENANCE_OPERATION_FLUSH
                   urgency: URGENCY_HIGH
                   interval_ms: 60000
                   timeout_ms: 5000
                   reason: "nightly"
                 }
                 maintenance { operation: MAINTENANCE_OPERATION_CLEANUP }
            )pb");
  out.write(target, "empty", "");
  out.write(target, "comment_only", "# nothing configured: no modules\n");
  out.write(target, "numeric_enums",
            "module { name: \"m\" exec: \"x\" policy: 2 restart: 3 "
            "capabilities { publish: [1, 2] subscribe: 30 } }\n");
  out.write(target, "bad_module_name", "module { name: \"Bad Name\" exec: \"x\" }\n");
  out.write(target, "bad_reserved_name", "module { name: \"host\" exec: \"x\" }\n");
  out.write(target, "bad_duplicate",
            "module { name: \"a\" exec: \"x\" }\nmodule { name: \"a\" exec: \"y\" }\n");
  out.write(target, "bad_no_exec", "module { name: \"a\" }\n");
  out.write(target, "bad_capacity",
            "module { name: \"a\" exec: \"x\" channel_capacity: 1000001 }\n"
            "default_channel_capacity: 4000000000\n");
  out.write(
      target, "bad_host_only_grant",
      "module { name: \"a\" exec: \"x\" capabilities { publish: EVENT_TYPE_NODE_SHUTDOWN } }\n");
  out.write(target, "bad_unknown_type",
            "module { name: \"a\" exec: \"x\" capabilities { subscribe: 999 publish: 0 } }\n");
  out.write(target, "bad_log_level",
            "log { level: \"loud\" components { key: \"events\" value: \"verbose\" } }\n");
  out.write(target, "bad_syntax", "module {\n  name: \"a\"\n  channel_capacity: fast\n}\n");
  out.write(target, "bad_unknown_field", "modules { name: \"a\" }\n");
  out.write(target, "bad_unterminated", "module { name: \"a\n");
  out.write(target, "bad_negative", "default_channel_capacity: -1\n");
  const std::string key = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";
  const std::string remoteBlock =
      "remote { listen: \"tcp://0.0.0.0:7400\" secret_key_file: \"/etc/plexus/node.key\" }\n";
  const std::string remoteModule =
      "module { name: \"far\" kind: MODULE_KIND_REMOTE public_key: \"" + key + "\" }\n";
  out.write(target, "remote_module", remoteBlock + remoteModule);
  out.write(target, "bad_remote_no_block", remoteModule);
  out.write(target, "bad_remote_duplicate_key",
            remoteBlock + remoteModule + "module { name: \"far2\" kind: 2 public_key: \"" + key +
                "\" }\n");
  out.write(target, "bad_remote_listen",
            "remote { listen: \"ipc:///tmp/x\" secret_key_file: \"/k\" }\n" + remoteModule);
  out.write(target, "bad_remote_exec",
            remoteBlock +
                "module { name: \"far\" kind: MODULE_KIND_REMOTE exec: \"x\" public_key: "
                "\"" +
                key + "\" }\n");
  out.write(target, "bad_local_public_key",
            "module { name: \"a\" exec: \"x\" public_key: \"" + key + "\" }\n");
}

}  // namespace plexus::fuzz::seeds
