#include "metrics/metrics_text.h"

#include <array>
#include <charconv>
#include <functional>
#include <utility>

#include "supervision/module_info.h"

namespace plexus::host {

namespace {

using Labels = std::initializer_list<std::pair<std::string_view, std::string_view>>;

std::string number(double value) {
  std::array<char, 64> buffer{};
  auto [end, error] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  if (error != std::errc()) return "NaN";
  return std::string(buffer.data(), end);
}

std::string number(std::uint64_t value) {
  return std::to_string(value);
}

class Writer {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help) {
    m_out.append("# HELP ").append(name).append(" ").append(help).append("\n");
    m_out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
  }
  void sample(std::string_view name, Labels labels, const std::string& value) {
    m_out.append(name);
    if (labels.size() > 0) {
      m_out.push_back('{');
      bool first = true;
      for (const auto& [key, text] : labels) {
        if (!first) m_out.push_back(',');
        first = false;
        m_out.append(key).append("=\"").append(escapeLabelValue(text)).append("\"");
      }
      m_out.push_back('}');
    }
    m_out.append(" ").append(value).append("\n");
  }
  std::string take() { return std::move(m_out); }

 private:
  std::string m_out;
};

const char* laneName(v1::Lane lane) {
  switch (lane) {
    case v1::LANE_CRITICAL:
      return "critical";
    case v1::LANE_REPLAY:
      return "replay";
    default:
      return "event";
  }
}

constexpr std::array<std::pair<v1::Health, const char*>, 3> kHealth{{
    {v1::HEALTH_UNSPECIFIED, "unknown"},
    {v1::HEALTH_HEALTHY, "healthy"},
    {v1::HEALTH_UNHEALTHY, "unhealthy"},
}};

struct LaneFamily {
  const char* name;
  const char* type;
  const char* help;
  std::function<std::uint64_t(const v1::LaneStats&)> value;
};

struct ModuleFamily {
  const char* name;
  const char* type;
  const char* help;
  std::function<double(const v1::DeliveryStats&)> value;
};

void writeLaneFamilies(Writer& out, const MetricsSnapshot& snapshot) {
  // clang-format off
  const std::array<LaneFamily, 11> families{{
      {"plexus_module_events_routed_total", "counter", "Events routed to the module (accepted, dropped or failed), since node start.", [](const auto& l) { return l.routed(); }},
      {"plexus_module_events_successful_total", "counter", "Events accepted into the module's channel, since node start.", [](const auto& l) { return l.successful(); }},
      {"plexus_module_events_channel_full_total", "counter", "Events dropped for the module: channel full or block wait timed out, since node start.", [](const auto& l) { return l.channel_full(); }},
      {"plexus_module_events_failed_total", "counter", "Events routed while the module's channel was closed (stopping or dead), since node start.", [](const auto& l) { return l.failed(); }},
      {"plexus_module_events_acked_total", "counter", "Events the module handled and acknowledged, since node start.", [](const auto& l) { return l.acked(); }},
      {"plexus_module_events_lost_total", "counter", "Events accepted but never acked because the module died, since node start.", [](const auto& l) { return l.lost(); }},
      {"plexus_module_events_queued", "gauge", "Events accepted, not yet sent to the module.", [](const auto& l) { return l.queued(); }},
      {"plexus_module_events_in_flight", "gauge", "Events sent to the module, not yet acked.", [](const auto& l) { return l.in_flight(); }},
      {"plexus_module_events_blocked", "gauge", "Block-policy publishes waiting for room in the module's channel.", [](const auto& l) { return l.blocked(); }},
      {"plexus_module_channel_capacity", "gauge", "Slots of the module's channel lane.", [](const auto& l) { return l.capacity(); }},
      {"plexus_module_lane_max_held", "gauge", "Peak of the lane's queued + in-flight events since node start.", [](const auto& l) { return l.max_held(); }},
  }};
  // clang-format on
  for (const LaneFamily& family : families) {
    out.family(family.name, family.type, family.help);
    for (const ModuleMetrics& module : snapshot.modules) {
      if (!module.hasDelivery) continue;
      for (const v1::LaneStats& lane : module.delivery.lanes())
        out.sample(family.name, {{"module", module.id}, {"lane", laneName(lane.lane())}},
                   number(family.value(lane)));
    }
  }
}

void writeModuleFamilies(Writer& out, const MetricsSnapshot& snapshot) {
  // clang-format off
  const std::array<ModuleFamily, 9> families{{
      {"plexus_module_events_filtered_total", "counter", "Events of a subscribed type the module's filter turned away (not routed), since node start.", [](const auto& d) { return static_cast<double>(d.filtered()); }},
      {"plexus_module_decode_errors_total", "counter", "Malformed frames from the module, since node start.", [](const auto& d) { return static_cast<double>(d.decode_errors()); }},
      {"plexus_module_rejected_requests_total", "counter", "Requests of the module the node refused, since node start.", [](const auto& d) { return static_cast<double>(d.rejected()); }},
      {"plexus_module_events_replayed_total", "counter", "Events a durable module took from the journal, since node start.", [](const auto& d) { return static_cast<double>(d.replayed()); }},
      {"plexus_module_events_redelivered_total", "counter", "Replayed events an earlier incarnation had been sent without acking, since node start.", [](const auto& d) { return static_cast<double>(d.redelivered()); }},
      {"plexus_module_journal_holes_total", "counter", "Journal offsets in recorded holes the module's reads crossed, since node start.", [](const auto& d) { return static_cast<double>(d.journal_holes()); }},
      {"plexus_module_journal_trimmed_total", "counter", "Journal offsets retention removed before the module read them, since node start.", [](const auto& d) { return static_cast<double>(d.trimmed()); }},
      {"plexus_module_max_held", "gauge", "Peak of the module's queued + in-flight events (all lanes) since node start.", [](const auto& d) { return static_cast<double>(d.max_held()); }},
      {"plexus_module_last_event_timestamp_seconds", "gauge", "Unix time of the last event accepted for the module, 0 = never.", [](const auto& d) { return static_cast<double>(d.last_event_at_unix_ms()) / 1000.0; }},
  }};
  // clang-format on
  for (const ModuleFamily& family : families) {
    out.family(family.name, family.type, family.help);
    for (const ModuleMetrics& module : snapshot.modules) {
      if (module.hasDelivery)
        out.sample(family.name, {{"module", module.id}}, number(family.value(module.delivery)));
    }
  }
}

void writeSupervision(Writer& out, const MetricsSnapshot& snapshot) {
  out.family("plexus_module_state", "gauge", "1 for the module's current state, 0 for the others.");
  for (const ModuleMetrics& module : snapshot.modules) {
    if (!module.supervised) continue;
    // Every state of the enum, named as plexusctl names it: a new state needs no list here.
    for (int state = v1::ModuleState_MIN + 1; state <= v1::ModuleState_MAX; ++state) {
      if (!v1::ModuleState_IsValid(state)) continue;
      out.sample("plexus_module_state",
                 {{"module", module.id}, {"state", stateName(static_cast<v1::ModuleState>(state))}},
                 module.state == state ? "1" : "0");
    }
  }
  out.family("plexus_module_restarts_total", "counter", "Restarts of the module by the node.");
  for (const ModuleMetrics& module : snapshot.modules) {
    if (module.supervised)
      out.sample("plexus_module_restarts_total", {{"module", module.id}},
                 number(std::uint64_t{module.restarts}));
  }
  out.family("plexus_module_health", "gauge",
             "1 for the module's liveness health (healthy, unhealthy, unknown), 0 for the others.");
  for (const ModuleMetrics& module : snapshot.modules) {
    if (!module.supervised) continue;
    for (const auto& [health, name] : kHealth)
      out.sample("plexus_module_health", {{"module", module.id}, {"health", name}},
                 module.health == health ? "1" : "0");
  }
}

void writeHistograms(Writer& out, const MetricsSnapshot& snapshot) {
  constexpr const char* kName = "plexus_module_event_hold_seconds";
  out.family(kName, "histogram",
             "Time events were held in the module's channel, acceptance to ack, since node start.");
  for (const ModuleMetrics& module : snapshot.modules) {
    const Histogram& histogram = module.holdSeconds;
    if (histogram.bounds.empty() || histogram.counts.size() != histogram.bounds.size() + 1)
      continue;
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < histogram.bounds.size(); ++i) {
      cumulative += histogram.counts[i];
      const std::string le = number(histogram.bounds[i]);
      out.sample("plexus_module_event_hold_seconds_bucket", {{"module", module.id}, {"le", le}},
                 number(cumulative));
    }
    cumulative += histogram.counts.back();
    out.sample("plexus_module_event_hold_seconds_bucket", {{"module", module.id}, {"le", "+Inf"}},
               number(cumulative));
    out.sample("plexus_module_event_hold_seconds_sum", {{"module", module.id}},
               number(histogram.sum));
    out.sample("plexus_module_event_hold_seconds_count", {{"module", module.id}},
               number(cumulative));
  }
}

void writeNode(Writer& out, const MetricsSnapshot& snapshot) {
  out.family("plexus_node_info", "gauge",
             "Always 1; the node's version and protocol version as labels.");
  out.sample("plexus_node_info",
             {{"version", snapshot.version}, {"protocol", snapshot.protocolVersion}}, "1");
  out.family("plexus_node_start_time_seconds", "gauge", "Unix time the node started.");
  out.sample("plexus_node_start_time_seconds", {}, number(snapshot.startTimeSeconds));
  out.family("plexus_events_published_total", "counter",
             "Events published into the node by source (host, module, operator, in_process), since "
             "node start.");
  constexpr std::array<const char*, 4> kSources{"host", "module", "operator", "in_process"};
  for (std::size_t i = 0; i < kSources.size(); ++i)
    out.sample("plexus_events_published_total", {{"source", kSources[i]}},
               number(snapshot.publishedBySource[i]));
  out.family("plexus_events_sent_total", "counter", "Events sent to modules, since node start.");
  out.sample("plexus_events_sent_total", {}, number(snapshot.eventsSent));
  out.family("plexus_event_batches_sent_total", "counter",
             "Event batches sent to modules, since node start.");
  out.sample("plexus_event_batches_sent_total", {}, number(snapshot.batchesSent));
  out.family("plexus_metrics_snapshot_duration_seconds", "gauge",
             "The event loop's time building the previous /metrics snapshot.");
  out.sample("plexus_metrics_snapshot_duration_seconds", {}, number(snapshot.snapshotSeconds));
}

}  // namespace

std::string escapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string formatMetrics(const MetricsSnapshot& snapshot) {
  Writer out;
  writeNode(out, snapshot);
  writeLaneFamilies(out, snapshot);
  writeModuleFamilies(out, snapshot);
  writeSupervision(out, snapshot);
  writeHistograms(out, snapshot);
  return out.take();
}

}  // namespace plexus::host
