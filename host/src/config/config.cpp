#include "config/config.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "config/config_checks.h"
#include "config/journal_config.h"
#include "config/node_name.h"
#include "config/priorities.h"
#include "config/remote_config.h"
#include "filter/filter.h"
#include "plexus/ipc/event_types.h"
#include "plexus/ipc/protocol.h"
#include "plexus/ipc/zap_authenticator.h"
#include "runtime/logging.h"

namespace plexus::host {

namespace {

class CollectingErrors : public google::protobuf::io::ErrorCollector {
 public:
  explicit CollectingErrors(std::string source) : m_source(std::move(source)) {}
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    add("error", line, column, message);
  }
  void AddWarning(int line, google::protobuf::io::ColumnNumber column,
                  const std::string& message) override {
    add("warning", line, column, message);
  }
  const std::string& text() const { return m_text; }

 private:
  void add(const char* kind, int line, int column, const std::string& message) {
    if (!m_text.empty()) m_text += "\n";
    // The parser counts from 0; editors count from 1.
    m_text += m_source + ":" + std::to_string(line + 1) + ":" + std::to_string(column + 1) + ": " +
              kind + ": " + message;
  }
  std::string m_source;
  std::string m_text;
};

bool isLogLevel(const std::string& name) {
  return name == "off" || spdlog::level::from_str(name) != spdlog::level::off;
}

// ModuleConfig.subscriptions: one filter per type, for a type the module may subscribe to and
// that takes filters, and each one compiles (docs/filters.md).
Status checkSubscriptionFilters(const v1::ModuleConfig& module, const std::string& where) {
  std::set<int> seen;
  for (int i = 0; i < module.subscriptions_size(); ++i) {
    const auto& subscription = module.subscriptions(i);
    const std::string at = where + "subscriptions[" + std::to_string(i) + "]: ";
    const auto type = subscription.type();
    if (!ipc::isValidEventType(type)) {
      return makeError(v1::ERROR_CODE_INVALID_ARGUMENT, at + "type is not a valid event type");
    }
    const std::string name = ipc::displayName(type);
    if (!seen.insert(type).second) {
      return makeError(v1::ERROR_CODE_INVALID_ARGUMENT, at + "a second filter for " += name);
    }
    if (ipc::isLifecycleLane(type)) {
      return makeError(v1::ERROR_CODE_INVALID_ARGUMENT,
                       at + name + " is a lifecycle event and takes no filter");
    }
    const auto& allowed = module.capabilities().subscribe();
    if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), type) == allowed.end()) {
      return makeError(v1::ERROR_CODE_INVALID_ARGUMENT,
                       (at + "a filter for ")
                           .append(name)
                           .append(", which capabilities.subscribe does not grant"));
    }
    const auto compiled = filter::compileEventFilter(subscription.filter(), type);
    if (!compiled.filter) {
      return makeError(v1::ERROR_CODE_INVALID_ARGUMENT,
                       at + name + " filter: " + filter::describe(compiled.error));
    }
  }
  return {};
}

}  // namespace

const std::string& embeddedDefaultConfig() {
  // Operators see this text as written (plexus-node --print-default-config): not reformatted.
  // clang-format off
  static const std::string text = R"pb(
# The configuration plexus-node runs with when no --config is given: the shipped modules.
# chainsim publishes NewBlock and NewTransaction, logger prints every event it receives as a
# JSON line, slowpoke handles events slowly so its small channel fills and drops are counted,
# pyarchiver (Python) appends every NewBlock as a JSON line to pyarchiver/archive.jsonl in the
# journal's state dir (~/.local/state/plexus by default), rotated at 64 MiB, 5 files kept.
module {
  name: "chainsim"
  exec: "plexus-chainsim"
  settings { key: "blocks_per_s" value: "2" }
  settings { key: "txs_per_block" value: "4" }
  capabilities { publish: [EVENT_TYPE_NEW_BLOCK, EVENT_TYPE_NEW_TRANSACTION] }
}
module {
  name: "logger"
  exec: "plexus-logger"
  settings { key: "types" value: "NewBlock,ModuleLoaded,ModuleCrashed,ModuleUnloaded,NodeShutdown" }
}
module {
  name: "slowpoke"
  exec: "plexus-slowpoke"
  channel_capacity: 20
  settings { key: "delay_ms" value: "200" }
}
module {
  name: "pyarchiver"
  exec: "plexus-pyarchiver"
  settings { key: "types" value: "NewBlock" }
}
timings { stats_log_interval_ms: 5000 }
metrics_listen: "127.0.0.1:9464"
)pb";
  // clang-format on
  return text;
}

Result<v1::NodeConfig> parseConfig(const std::string& text, const std::string& sourceName) {
  v1::NodeConfig config;
  CollectingErrors errors(sourceName);
  google::protobuf::TextFormat::Parser parser;
  google::protobuf::TextFormat::ParseInfoTree locations;
  parser.RecordErrorsTo(&errors);
  parser.WriteLocationsTo(&locations);
  if (!parser.ParseFromString(text, &config)) {
    return makeError(v1::ERROR_CODE_INVALID_ARGUMENT,
                     errors.text().empty() ? sourceName + ": cannot parse" : errors.text());
  }
  // Out-of-range values and text that is not UTF-8 are named where they were written.
  const FieldLocator where(sourceName, &locations);
  if (auto status = checkFields(config, where); !status) return status.error();
  if (auto status = checkTimingRelations(withDefaults(config), where); !status) {
    return status.error();
  }
  return config;
}

Result<v1::NodeConfig> loadConfigFile(const std::string& path) {
  // A directory opens as a stream that reads nothing: never an empty config.
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec) {
    return makeError(v1::ERROR_CODE_NOT_FOUND,
                     "cannot read config file '" + path + "': " + ec.message());
  }
  if (!std::filesystem::is_regular_file(status)) {
    return makeError(v1::ERROR_CODE_INVALID_ARGUMENT,
                     "config file '" + path + "' is not a regular file");
  }
  std::ifstream in(path);
  if (!in) {
    return makeError(v1::ERROR_CODE_PERMISSION_DENIED,
                     "cannot read config file '" + path + "': " + std::strerror(errno));
  }
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return makeError(v1::ERROR_CODE_INVALID_ARGUMENT,
                     "cannot read config file '" + path + "': " + std::strerror(errno));
  }
  return parseConfig(text.str(), path);
}

Status validateModule(const v1::ModuleConfig& module) {
  const std::string where = "module '" + module.name() + "': ";
  if (auto problem = ipc::validateModuleId(module.name()); !problem.empty()) {
    return makeError(v1::ERROR_CODE_INVALID_ARGUMENT, "module name: " + problem);
  }
  if (auto status = checkModuleKind(module, where); !status) return status;
  if (module.exec().empty() && !isRemoteModule(module)) {
    return makeError(v1::ERROR_CODE_INVALID_ARGUMENT, where + "exec is required");
  }
  if (auto status = checkFields(module); !status) {
    return makeError(status.error().code, where + status.error().message);
  }
  if (module.channel_capacity() > kMaxChannelCapacity) {
    return makeError(v1::ERROR_CODE_INVALID_ARGUMENT, where + "channel_capacity must be at most " +
                                                          std::to_string(kMaxChannelCapacity));
  }
  if (module.critical_capacity() > kMaxChannelCapacity) {
    return makeError(v1::ERROR_CODE_INVALID_ARGUMENT, where + "critical_capacity must be at most " +
                                                          std::to_string(kMaxChannelCapacity));
  }
  auto checkTypes = [&](const auto& types, const char* field) -> Status {
    for (int type : types) {
      if (!ipc::isValidEventType(type)) {
        return makeError(v1::ERROR_CODE_INVALID_ARGUMENT,
                         where + "capabilities." + field + " has an invalid event type");
      }
    }
    return {};
  };
  if (auto s = checkTypes(module.capabilities().subscribe(), "subscribe"); !s) return s;
  if (auto s = checkTypes(module.capabilities().publish(), "publish"); !s) return s;
  for (int type : module.capabilities().publish()) {
    if (ipc::isHostOnly(static_cast<v1::EventType>(type))) {
      return makeError(v1::ERROR_CODE_INVALID_ARGUMENT,
                       where + "capabilities.publish cannot grant host-only type " +
                           ipc::displayName(static_cast<v1::EventType>(type)));
    }
  }
  return checkSubscriptionFilters(module, where);
}

Status validateConfig(const v1::NodeConfig& config) {
  if (config.default_channel_capacity() > kMaxChannelCapacity) {
    return makeError(v1::ERROR_CODE_INVALID_ARGUMENT, "default_channel_capacity must be at most " +
                                                          std::to_string(kMaxChannelCapacity));
  }
  if (config.default_critical_capacity() > kMaxChannelCapacity) {
    return makeError(v1::ERROR_CODE_INVALID_ARGUMENT, "default_critical_capacity must be at most " +
                                                          std::to_string(kMaxChannelCapacity));
  }
  if (auto status = checkFields(config); !status) return status;
  if (auto status = checkPriorities(config); !status) return status;
  if (auto status = checkJournal(config); !status) return status;
  if (auto status = checkRemote(config); !status) return status;
  if (!config.node_name().empty()) {
    if (auto problem = nodeNameProblem(config.node_name()); !problem.empty()) {
      return makeError(v1::ERROR_CODE_INVALID_ARGUMENT, problem);
    }
  }
  if (auto status = checkTimingRelations(withDefaults(config)); !status) return status;
  if (!config.control_group().empty() && !ipc::groupByName(config.control_group())) {
    return makeError(v1::ERROR_CODE_INVALID_ARGUMENT,
                     "control_group '" + config.control_group() + "': no such group");
  }
  std::set<std::string> names;
  for (const auto& module : config.module()) {
    if (auto status = validateModule(module); !status) return status;
    if (!names.insert(module.name()).second) {
      return makeError(v1::ERROR_CODE_INVALID_ARGUMENT,
                       "module '" + module.name() + "' is defined twice");
    }
  }
  if (!config.log().level().empty() && !isLogLevel(config.log().level())) {
    return makeError(v1::ERROR_CODE_INVALID_ARGUMENT,
                     "log level '" + config.log().level() + "' is unknown");
  }
  for (const auto& [component, level] : config.log().components()) {
    if (!isLogLevel(level)) {
      return makeError(v1::ERROR_CODE_INVALID_ARGUMENT, std::string("log level '")
                                                            .append(level)
                                                            .append("' of component '")
                                                            .append(component)
                                                            .append("' is unknown"));
    }
  }
  return {};
}

v1::ModuleConfig moduleWithDefaults(const v1::ModuleConfig& module, const v1::NodeConfig& node) {
  v1::ModuleConfig out = module;
  std::uint32_t capacity = node.default_channel_capacity() != 0 ? node.default_channel_capacity()
                                                                : ipc::kDefaultChannelCapacity;
  if (out.channel_capacity() == 0) out.set_channel_capacity(capacity);
  if (out.critical_capacity() == 0) {
    out.set_critical_capacity(node.default_critical_capacity() != 0
                                  ? node.default_critical_capacity()
                                  : ipc::kDefaultCriticalCapacity);
  }
  if (out.policy() == v1::DELIVERY_POLICY_UNSPECIFIED) out.set_policy(v1::DELIVERY_POLICY_DROP);
  // A remote module is never restarted by the node: it keeps no restart policy.
  if (out.restart() == v1::RESTART_POLICY_UNSPECIFIED && !isRemoteModule(out)) {
    out.set_restart(v1::RESTART_POLICY_ON_FAILURE);
  }
  return out;
}

v1::NodeConfig withDefaults(const v1::NodeConfig& config) {
  v1::NodeConfig out = config;
  if (out.default_channel_capacity() == 0) {
    out.set_default_channel_capacity(ipc::kDefaultChannelCapacity);
  }
  if (out.default_critical_capacity() == 0) {
    out.set_default_critical_capacity(ipc::kDefaultCriticalCapacity);
  }
  for (auto& module : *out.mutable_module())
    module = moduleWithDefaults(module, out);
  auto* t = out.mutable_timings();
  auto def = [](std::uint64_t value, std::uint64_t fallback) { return value ? value : fallback; };
  t->set_handshake_timeout_ms(def(t->handshake_timeout_ms(), 10000));
  t->set_heartbeat_interval_ms(def(t->heartbeat_interval_ms(), 1000));
  t->set_missed_heartbeats(static_cast<std::uint32_t>(def(t->missed_heartbeats(), 3)));
  t->set_dead_timeout_ms(def(t->dead_timeout_ms(), 10000));
  t->set_stall_timeout_ms(def(t->stall_timeout_ms(), 5000));
  t->set_block_timeout_ms(def(t->block_timeout_ms(), 1000));
  t->set_restart_backoff_initial_ms(def(t->restart_backoff_initial_ms(), 1000));
  t->set_restart_backoff_max_ms(def(t->restart_backoff_max_ms(), 30000));
  t->set_crash_limit(static_cast<std::uint32_t>(def(t->crash_limit(), 3)));
  t->set_crash_window_ms(def(t->crash_window_ms(), 300000));
  t->set_stable_after_ms(def(t->stable_after_ms(), 10000));
  t->set_shutdown_grace_ms(def(t->shutdown_grace_ms(), 5000));
  t->set_kill_after_ms(def(t->kill_after_ms(), 2000));
  t->set_health_check_interval_ms(def(t->health_check_interval_ms(), 30000));
  t->set_stats_log_interval_ms(def(t->stats_log_interval_ms(), 10000));
  t->set_resource_check_interval_ms(def(t->resource_check_interval_ms(), 5000));
  t->set_ready_timeout_ms(def(t->ready_timeout_ms(), 30000));
  if (out.log().level().empty()) out.mutable_log()->set_level("info");
  if (out.max_message_bytes() == 0) out.set_max_message_bytes(ipc::kDefaultMaxMessageBytes);
  if (out.module_request_rate() == 0) out.set_module_request_rate(10000);
  if (out.node_name().empty()) out.set_node_name(defaultNodeName());
  return out;
}

}  // namespace plexus::host
