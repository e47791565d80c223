#include "config/journal_config.h"

#include <set>
#include <string>

namespace plexus::host {

namespace {

Status refuse(const std::string& message) {
  return makeError(v1::ERROR_CODE_INVALID_ARGUMENT, "journal." + message);
}

bool journaledByDefault(v1::EventType type) {
  return (type >= v1::EVENT_TYPE_NEW_BLOCK && type <= v1::EVENT_TYPE_CHAIN_REORG) ||
         (type >= v1::EVENT_TYPE_GOVERNANCE_PROPOSAL_CREATED &&
          type <= v1::EVENT_TYPE_GOVERNANCE_FORK_DETECTED);
}

const char* nonEmpty(const GetEnv& getenv, const char* name) {
  const char* value = getenv(name);
  return value != nullptr && *value != '\0' ? value : nullptr;
}

}  // namespace

Status checkJournal(const v1::NodeConfig& config) {
  const v1::JournalConfig& journal = config.journal();
  std::set<int> seen;
  for (int i = 0; i < journal.types_size(); ++i) {
    const int type = journal.types(i);
    const std::string at = "types[" + std::to_string(i) + "]: ";
    if (!ipc::isValidEventType(type)) return refuse(at + "not a valid event type");
    const auto named = static_cast<v1::EventType>(type);
    if (ipc::isLifecycleLane(named)) {
      return refuse(at + ipc::displayName(named) + " is a lifecycle event and is never journaled");
    }
    if (!seen.insert(type).second) return refuse(at + ipc::displayName(named) + " is named twice");
  }
  if (!v1::JournalSync_IsValid(journal.sync())) return refuse("sync is not a known JournalSync");
  for (const v1::ModuleConfig& module : config.module()) {
    if (auto status = checkDurable(module, config); !status) return status;
  }
  return {};
}

Status checkDurable(const v1::ModuleConfig& module, const v1::NodeConfig& config) {
  const std::string where = "module '" + module.name() + "': ";
  if (!v1::DurableStart_IsValid(module.start())) {
    return makeError(v1::ERROR_CODE_INVALID_ARGUMENT, where + "start is not a known DurableStart");
  }
  if (!module.durable()) {
    if (module.start() != v1::DURABLE_START_NEW || module.start_offset() != 0) {
      return makeError(v1::ERROR_CODE_INVALID_ARGUMENT,
                       where + "start and start_offset are for durable modules (durable: true)");
    }
    return {};
  }
  if (journaledTypes(config).none()) {
    return makeError(v1::ERROR_CODE_INVALID_ARGUMENT,
                     where + "is durable, but the node journals no event type (journal.disabled)");
  }
  if ((module.start() == v1::DURABLE_START_OFFSET) != (module.start_offset() != 0)) {
    return makeError(v1::ERROR_CODE_INVALID_ARGUMENT,
                     where + "start: DURABLE_START_OFFSET and start_offset (>= 1) go together");
  }
  return {};
}

std::bitset<ipc::kEventTypeSlots> journaledTypes(const v1::NodeConfig& config) {
  std::bitset<ipc::kEventTypeSlots> out;
  if (config.journal().disabled()) return out;
  if (config.journal().types_size() == 0) {
    for (auto type : ipc::allEventTypes())
      out.set(static_cast<std::size_t>(type), journaledByDefault(type));
    return out;
  }
  for (int type : config.journal().types()) {
    if (ipc::isValidEventType(type) && !ipc::isLifecycleLane(static_cast<v1::EventType>(type)))
      out.set(static_cast<std::size_t>(type));
  }
  return out;
}

Retention journalRetention(const v1::NodeConfig& config) {
  Retention out;
  if (!config.journal().has_retention()) {
    out.maxBytes = kDefaultJournalMaxBytes;
    out.maxAgeNs = static_cast<std::int64_t>(kDefaultJournalMaxAgeS) * 1'000'000'000;
    return out;
  }
  const v1::JournalRetention& retention = config.journal().retention();
  out.maxEvents = retention.max_events();
  out.maxBytes = retention.max_bytes();
  // At most ~292 years in nanoseconds: larger ages are as good as unlimited.
  constexpr std::uint64_t kMaxAgeS = 9'000'000'000;
  out.maxAgeNs =
      static_cast<std::int64_t>(std::min(retention.max_age_s(), kMaxAgeS)) * 1'000'000'000;
  return out;
}

Result<std::filesystem::path> journalDirectory(const v1::NodeConfig& config, const GetEnv& getenv) {
  if (!config.journal().path().empty()) return std::filesystem::path(config.journal().path());
  if (const char* state = nonEmpty(getenv, "STATE_DIRECTORY")) {
    const std::string list = state;
    return std::filesystem::path(list.substr(0, list.find(':')));
  }
  if (const char* xdg = nonEmpty(getenv, "XDG_STATE_HOME")) {
    return std::filesystem::path(xdg) / "plexus";
  }
  if (const char* home = nonEmpty(getenv, "HOME")) {
    return std::filesystem::path(home) / ".local" / "state" / "plexus";
  }
  return makeError(v1::ERROR_CODE_INVALID_ARGUMENT,
                   "journal.path is not set and neither are STATE_DIRECTORY, XDG_STATE_HOME or "
                   "HOME: say where the journal lives (or set journal.disabled)");
}

}  // namespace plexus::host
