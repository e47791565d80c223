#include "config/config_checks.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>

#include <algorithm>

#include "plexus/ipc/utf8.h"

namespace plexus::host {

namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using ParseInfoTree = google::protobuf::TextFormat::ParseInfoTree;

constexpr std::uint64_t kSecond = 1000;
constexpr std::uint64_t kHour = 3600 * kSecond;
constexpr std::uint64_t kDay = 24 * kHour;
constexpr std::uint64_t kMiB = 1ULL << 20;

const FieldRange* rangeOf(const FieldDescriptor& field) {
  const std::string key = field.containing_type()->name() + "." + field.name();
  for (const auto& range : fieldRanges()) {
    if (range.field == key) return &range;
  }
  return nullptr;
}

std::uint64_t numericValue(const Message& message, const FieldDescriptor& field) {
  const Reflection& r = *message.GetReflection();
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_UINT32:
      return r.GetUInt32(message, &field);
    case FieldDescriptor::CPPTYPE_UINT64:
      return r.GetUInt64(message, &field);
    // Signed fields: a negative value is out of every range (it wraps to a huge number).
    case FieldDescriptor::CPPTYPE_INT32:
      return static_cast<std::uint64_t>(static_cast<std::int64_t>(r.GetInt32(message, &field)));
    case FieldDescriptor::CPPTYPE_INT64:
      return static_cast<std::uint64_t>(r.GetInt64(message, &field));
    default:
      return 0;
  }
}

bool isNumeric(const FieldDescriptor& field) {
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_UINT32:
    case FieldDescriptor::CPPTYPE_UINT64:
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_INT64:
      return true;
    default:
      return false;
  }
}

std::string prefix(const FieldLocator& where, const ParseInfoTree* tree,
                   const FieldDescriptor* field, int index) {
  if (where.source().empty()) return "";
  std::string text = where.source() + ":";
  if (tree != nullptr && field != nullptr) {
    const auto location = tree->GetLocation(field, index);
    if (location.line >= 0) {
      // The parser counts from 0; editors count from 1.
      text += std::to_string(location.line + 1) + ":" + std::to_string(location.column + 1) + ":";
    }
  }
  return text + " ";
}

Error fieldError(const std::string& at, const std::string& path, const std::string& problem) {
  return makeError(v1::ERROR_CODE_INVALID_ARGUMENT, at + path + ": " + problem);
}

std::string rangeText(const FieldRange& range) {
  std::string text = "valid: " + std::to_string(range.min) + ".." + std::to_string(range.max);
  if (!range.zeroMeans.empty()) text += ", or 0 (" + std::string(range.zeroMeans) + ")";
  return text;
}

class Walker {
 public:
  explicit Walker(const FieldLocator& where) : m_where(where) {}

  Status walk(const Message& message, const ParseInfoTree* tree, const std::string& path) {
    const Reflection& r = *message.GetReflection();
    std::vector<const FieldDescriptor*> fields;
    r.ListFields(message, &fields);
    for (const FieldDescriptor* field : fields) {
      const std::string name = path.empty() ? field->name() : path + "." + field->name();
      if (field->is_repeated()) {
        for (int i = 0; i < r.FieldSize(message, field); ++i) {
          if (auto s = one(message, *field, i, tree, name); !s) return s;
        }
      } else if (auto s = one(message, *field, -1, tree, name); !s) {
        return s;
      }
    }
    return {};
  }

 private:
  Status one(const Message& message, const FieldDescriptor& field, int index,
             const ParseInfoTree* tree, const std::string& path) {
    const Reflection& r = *message.GetReflection();
    const std::string at = prefix(m_where, tree, &field, index);
    if (field.cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      const Message& nested =
          index < 0 ? r.GetMessage(message, &field) : r.GetRepeatedMessage(message, &field, index);
      std::string nestedPath = path;
      if (field.full_name() == "plexus.v1.NodeConfig.module") {
        nestedPath = "module '" + static_cast<const v1::ModuleConfig&>(nested).name() + "'";
      }
      const ParseInfoTree* nestedTree =
          tree != nullptr ? const_cast<ParseInfoTree*>(tree)->GetTreeForNested(&field, index)
                          : nullptr;
      return walk(nested, nestedTree, nestedPath);
    }
    if (field.cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
      std::string scratch;
      const std::string& text =
          index < 0 ? r.GetStringReference(message, &field, &scratch)
                    : r.GetRepeatedStringReference(message, &field, index, &scratch);
      if (!ipc::isValidUtf8(text)) return fieldError(at, path, "is not valid UTF-8");
      return {};
    }
    if (!isNumeric(field) || field.is_repeated()) return {};
    const FieldRange* range = rangeOf(field);
    if (range == nullptr) return {};  // a unit test keeps the table complete
    const std::uint64_t value = numericValue(message, field);
    if (value == 0 && !range->zeroMeans.empty()) return {};
    if (value < range->min || value > range->max) {
      return fieldError(at, path,
                        std::to_string(value) + " is out of range (" + rangeText(*range) + ")");
    }
    return {};
  }

  const FieldLocator& m_where;
};

// Location of the first of `names` that the file sets in `timings`.
std::string timingsAt(const FieldLocator& where, const std::vector<std::string>& names) {
  const ParseInfoTree* tree = where.tree();
  const auto* timings = v1::NodeConfig::descriptor()->FindFieldByName("timings");
  const ParseInfoTree* nested =
      tree != nullptr ? const_cast<ParseInfoTree*>(tree)->GetTreeForNested(timings, -1) : nullptr;
  for (const auto& name : names) {
    const auto* field = v1::Timings::descriptor()->FindFieldByName(name);
    if (nested != nullptr && nested->GetLocation(field, -1).line >= 0) {
      return prefix(where, nested, field, -1);
    }
  }
  return prefix(where, tree, timings, -1);
}

}  // namespace

const std::vector<FieldRange>& fieldRanges() {
  static const std::vector<FieldRange> ranges = {
      {"NodeConfig.default_channel_capacity", 1, 1'000'000, "default 100"},
      {"JournalConfig.queue", 16, 1ULL << 22, "default 65536"},
      {"JournalConfig.max_file_bytes", kMiB, 1ULL << 50, "no cap"},
      {"JournalRetention.max_events", 1, 1ULL << 60, "unlimited"},
      {"JournalRetention.max_bytes", 1, 1ULL << 60, "unlimited"},
      {"JournalRetention.max_age_s", 1, 100ULL * 365 * kDay / kSecond, "unlimited"},
      {"NodeConfig.disk_space_low_bytes", 1, 1ULL << 60, "off"},
      {"NodeConfig.max_message_bytes", 64ULL * 1024, 1ULL << 30, "default 4194304"},
      {"NodeConfig.module_request_rate", 1, 10'000'000, "default 10000"},
      {"ModuleConfig.channel_capacity", 1, 1'000'000, "default_channel_capacity"},
      {"ModuleConfig.critical_capacity", 1, 1'000'000, "default_critical_capacity"},
      {"ModuleConfig.start_offset", 1, 1ULL << 62, "none"},
      {"NodeConfig.default_critical_capacity", 1, 1'000'000, "default 10"},
      {"ResourceLimits.address_space_bytes", 16ULL * kMiB, 1ULL << 50, "unlimited"},
      {"ResourceLimits.open_files", 16, 1ULL << 20, "inherited"},
      {"ResourceLimits.cpu_seconds", 1, 365ULL * kDay / kSecond, "unlimited"},
      {"ResourceLimits.rss_soft_limit_bytes", 1, 1ULL << 50, "off"},
      {"Timings.handshake_timeout_ms", 10, kHour, "default 10000"},
      {"Timings.heartbeat_interval_ms", 10, 10ULL * 60 * kSecond, "default 1000"},
      {"Timings.missed_heartbeats", 1, 1000, "default 3"},
      {"Timings.dead_timeout_ms", 10, kDay, "default 10000"},
      {"Timings.stall_timeout_ms", 10, kDay, "default 5000"},
      {"Timings.block_timeout_ms", 1, kHour, "default 1000"},
      {"Timings.restart_backoff_initial_ms", 1, kDay, "default 1000"},
      {"Timings.restart_backoff_max_ms", 1, kDay, "default 30000"},
      {"Timings.crash_limit", 1, 1'000'000, "default 3"},
      {"Timings.crash_window_ms", 1, 30ULL * kDay, "default 300000"},
      {"Timings.stable_after_ms", 1, kDay, "default 10000"},
      {"Timings.shutdown_grace_ms", 1, kHour, "default 5000"},
      {"Timings.kill_after_ms", 1, 10ULL * 60 * kSecond, "default 2000"},
      {"Timings.health_check_interval_ms", 10, kDay, "default 30000"},
      {"Timings.stats_log_interval_ms", 100, kDay, "default 10000"},
      {"Timings.resource_check_interval_ms", 10, kDay, "default 5000"},
      {"Timings.handler_timeout_ms", 10, kDay, "off"},
      {"Timings.ready_timeout_ms", 10, kHour, "default 30000"},
      {"MaintenanceSchedule.interval_ms", 10, 30ULL * kDay, "off"},
      {"MaintenanceSchedule.timeout_ms", 1, kDay, "default 30000"},
  };
  return ranges;
}

Status checkFields(const google::protobuf::Message& message, const FieldLocator& where) {
  Walker walker(where);
  return walker.walk(message, where.tree(), "");
}

Status checkTimingRelations(const v1::NodeConfig& config, const FieldLocator& where) {
  const auto& t = config.timings();
  const std::uint64_t heartbeat = t.heartbeat_interval_ms();
  const std::uint64_t missed = t.missed_heartbeats();
  const std::uint64_t dead = t.dead_timeout_ms();
  if (dead <= heartbeat * missed) {
    return makeError(
        v1::ERROR_CODE_INVALID_ARGUMENT,
        timingsAt(where, {"dead_timeout_ms", "heartbeat_interval_ms", "missed_heartbeats"}) +
            "timings.dead_timeout_ms (" + std::to_string(dead) +
            ") must be above missed_heartbeats x heartbeat_interval_ms (" + std::to_string(missed) +
            " x " + std::to_string(heartbeat) +
            "): an idle module would be killed before it could be heard");
  }
  const std::uint64_t initial = t.restart_backoff_initial_ms();
  const std::uint64_t max = t.restart_backoff_max_ms();
  if (initial > max) {
    return makeError(v1::ERROR_CODE_INVALID_ARGUMENT,
                     timingsAt(where, {"restart_backoff_initial_ms", "restart_backoff_max_ms"}) +
                         "timings.restart_backoff_initial_ms (" + std::to_string(initial) +
                         ") must not be above restart_backoff_max_ms (" + std::to_string(max) +
                         ")");
  }
  return {};
}

}  // namespace plexus::host
