#include "metrics/metrics_text.h"

#include <array>
#include <atomic>
#include <charconv>
#include <cstdint>
#include <initializer_list>
#include <utility>
#include <vector>

#include "supervision/module_info.h"

namespace plexus::host {

namespace {

using Buffer = std::array<char, 64>;

// The shortest text that reads back as `value` (std::to_chars), "NaN" should it not fit.
std::string_view formatNumber(Buffer& buffer, double value) {
  auto [end, error] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  if (error != std::errc()) return "NaN";
  return {buffer.data(), static_cast<std::size_t>(end - buffer.data())};
}

std::string_view formatNumber(Buffer& buffer, std::uint64_t value) {
  auto [end, error] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  (void)error;  // 20 digits at most
  return {buffer.data(), static_cast<std::size_t>(end - buffer.data())};
}

void appendEscaped(std::string& out, std::string_view value) {
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
}

// key="escaped value", for labels built once per scrape (a module's, the node's).
std::string label(std::string_view key, std::string_view value) {
  std::string out;
  out.reserve(key.size() + value.size() + 3);
  out.append(key).append("=\"");
  appendEscaped(out, value);
  out.push_back('"');
  return out;
}

// The previous scrape's body size: the next one reserves a little more than that, so formatting
// grows its buffer at most once (100 modules: about 410 KB).
std::atomic<std::size_t> g_lastBodySize{std::size_t{64} * 1024};

// Appends to one reserved string: numbers with std::to_chars, labels escaped and joined once per
// scrape by the caller, so a sample allocates nothing of its own.
class Writer {
 public:
  explicit Writer(std::size_t capacity) { m_out.reserve(capacity); }

  void family(std::string_view name, std::string_view type, std::string_view help) {
    m_out.append("# HELP ").append(name).append(" ").append(help).append("\n");
    m_out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
  }
  // name{labels extra...} value. `labels`: key="value" pairs, escaped and joined by commas
  // (empty: no braces); each `extra` part goes after them as it is (,lane="event").
  template <typename Value>
  void sample(std::string_view name, std::string_view labels,
              std::initializer_list<std::string_view> extra, Value value) {
    m_out.append(name);
    if (!labels.empty()) {
      m_out.push_back('{');
      m_out.append(labels);
      for (std::string_view part : extra)
        m_out.append(part);
      m_out.push_back('}');
    }
    m_out.push_back(' ');
    if constexpr (std::is_convertible_v<Value, std::string_view>) {
      m_out.append(std::string_view(value));
    } else {
      Buffer buffer;
      m_out.append(formatNumber(buffer, value));
    }
    m_out.push_back('\n');
  }
  std::string take() { return std::move(m_out); }

 private:
  std::string m_out;
};

std::string_view laneLabel(v1::Lane lane) {
  switch (lane) {
    case v1::LANE_CRITICAL:
      return ",lane=\"critical\"";
    case v1::LANE_REPLAY:
      return ",lane=\"replay\"";
    default:
      return ",lane=\"event\"";
  }
}

constexpr std::array<std::pair<v1::Health, std::string_view>, 3> kHealth{{
    {v1::HEALTH_UNSPECIFIED, ",health=\"unknown\""},
    {v1::HEALTH_HEALTHY, ",health=\"healthy\""},
    {v1::HEALTH_UNHEALTHY, ",health=\"unhealthy\""},
}};

struct LaneFamily {
  const char* name;
  const char* type;
  const char* help;
  std::uint64_t (*value)(const v1::LaneStats&);
};

struct ModuleFamily {
  const char* name;
  const char* type;
  const char* help;
  double (*value)(const v1::DeliveryStats&);
  bool journal = false;  // rows only where journalShown()
};

// The snapshot with each module's label (module="escaped id") built once for all its samples.
struct Labelled {
  const MetricsSnapshot& snapshot;
  std::vector<std::string> moduleLabels;  // by index in snapshot.modules
};

void writeLaneFamilies(Writer& out, const Labelled& in) {
  // clang-format off
  static constexpr std::array<LaneFamily, 11> kFamilies{{
      {"plexus_module_events_routed_total", "counter", "Events routed to the module (accepted, dropped or failed), since node start.", [](const v1::LaneStats& l) { return l.routed(); }},
      {"plexus_module_events_successful_total", "counter", "Events accepted into the module's channel, since node start.", [](const v1::LaneStats& l) { return l.successful(); }},
      {"plexus_module_events_channel_full_total", "counter", "Events dropped for the module: channel full or block wait timed out, since node start.", [](const v1::LaneStats& l) { return l.channel_full(); }},
      {"plexus_module_events_failed_total", "counter", "Events routed while the module's channel was closed (stopping or dead), since node start.", [](const v1::LaneStats& l) { return l.failed(); }},
      {"plexus_module_events_acked_total", "counter", "Events the module handled and acknowledged, since node start.", [](const v1::LaneStats& l) { return l.acked(); }},
      {"plexus_module_events_lost_total", "counter", "Events accepted but never acked because the module died, since node start.", [](const v1::LaneStats& l) { return l.lost(); }},
      {"plexus_module_events_queued", "gauge", "Events accepted, not yet sent to the module.", [](const v1::LaneStats& l) { return std::uint64_t{l.queued()}; }},
      {"plexus_module_events_in_flight", "gauge", "Events sent to the module, not yet acked.", [](const v1::LaneStats& l) { return std::uint64_t{l.in_flight()}; }},
      {"plexus_module_events_blocked", "gauge", "Block-policy publishes waiting for room in the module's channel.", [](const v1::LaneStats& l) { return std::uint64_t{l.blocked()}; }},
      {"plexus_module_channel_capacity", "gauge", "Slots of the module's channel lane.", [](const v1::LaneStats& l) { return std::uint64_t{l.capacity()}; }},
      {"plexus_module_lane_max_held", "gauge", "Peak of the lane's queued + in-flight events since node start.", [](const v1::LaneStats& l) { return std::uint64_t{l.max_held()}; }},
  }};
  // clang-format on
  const auto& modules = in.snapshot.modules;
  for (const LaneFamily& family : kFamilies) {
    out.family(family.name, family.type, family.help);
    for (std::size_t i = 0; i < modules.size(); ++i) {
      if (!modules[i].hasDelivery) continue;
      for (const v1::LaneStats& lane : modules[i].delivery.lanes()) {
        if (laneShown(lane))
          out.sample(family.name, in.moduleLabels[i], {laneLabel(lane.lane())}, family.value(lane));
      }
    }
  }
}

void writeModuleFamilies(Writer& out, const Labelled& in) {
  // clang-format off
  static constexpr std::array<ModuleFamily, 9> kFamilies{{
      {"plexus_module_events_filtered_total", "counter", "Events of a subscribed type the module's filter turned away (not routed), since node start.", [](const v1::DeliveryStats& d) { return static_cast<double>(d.filtered()); }},
      {"plexus_module_decode_errors_total", "counter", "Malformed frames from the module, since node start.", [](const v1::DeliveryStats& d) { return static_cast<double>(d.decode_errors()); }},
      {"plexus_module_rejected_requests_total", "counter", "Requests of the module the node refused, since node start.", [](const v1::DeliveryStats& d) { return static_cast<double>(d.rejected()); }},
      {"plexus_module_events_replayed_total", "counter", "Events a durable module took from the journal, since node start.", [](const v1::DeliveryStats& d) { return static_cast<double>(d.replayed()); }, true},
      {"plexus_module_events_redelivered_total", "counter", "Replayed events an earlier incarnation had been sent without acking, since node start.", [](const v1::DeliveryStats& d) { return static_cast<double>(d.redelivered()); }, true},
      {"plexus_module_journal_holes_total", "counter", "Journal offsets in recorded holes the module's reads crossed, since node start.", [](const v1::DeliveryStats& d) { return static_cast<double>(d.journal_holes()); }, true},
      {"plexus_module_journal_trimmed_total", "counter", "Journal offsets retention removed before the module read them, since node start.", [](const v1::DeliveryStats& d) { return static_cast<double>(d.trimmed()); }, true},
      {"plexus_module_max_held", "gauge", "Peak of the module's queued + in-flight events (all lanes) since node start.", [](const v1::DeliveryStats& d) { return static_cast<double>(d.max_held()); }},
      {"plexus_module_last_event_timestamp_seconds", "gauge", "Unix time of the last event accepted for the module, 0 = never.", [](const v1::DeliveryStats& d) { return static_cast<double>(d.last_event_at_unix_ms()) / 1000.0; }},
  }};
  // clang-format on
  const auto& modules = in.snapshot.modules;
  for (const ModuleFamily& family : kFamilies) {
    out.family(family.name, family.type, family.help);
    for (std::size_t i = 0; i < modules.size(); ++i) {
      const v1::DeliveryStats& delivery = modules[i].delivery;
      if (modules[i].hasDelivery && (!family.journal || journalShown(delivery)))
        out.sample(family.name, in.moduleLabels[i], {}, family.value(delivery));
    }
  }
}

void writeSupervision(Writer& out, const Labelled& in) {
  const auto& modules = in.snapshot.modules;
  // Every state of the enum, named as plexusctl names it: a new state needs no list here.
  std::vector<std::pair<int, std::string>> states;
  for (int state = v1::ModuleState_MIN + 1; state <= v1::ModuleState_MAX; ++state) {
    if (v1::ModuleState_IsValid(state))
      states.emplace_back(state,
                          "," + label("state", stateName(static_cast<v1::ModuleState>(state))));
  }
  out.family("plexus_module_state", "gauge", "1 for the module's current state, 0 for the others.");
  for (std::size_t i = 0; i < modules.size(); ++i) {
    if (!modules[i].supervised) continue;
    for (const auto& [state, stateLabel] : states)
      out.sample("plexus_module_state", in.moduleLabels[i], {stateLabel},
                 modules[i].state == state ? "1" : "0");
  }
  out.family("plexus_module_restarts_total", "counter", "Restarts of the module by the node.");
  for (std::size_t i = 0; i < modules.size(); ++i) {
    if (modules[i].supervised)
      out.sample("plexus_module_restarts_total", in.moduleLabels[i], {},
                 std::uint64_t{modules[i].restarts});
  }
  out.family("plexus_module_health", "gauge",
             "1 for the module's liveness health (healthy, unhealthy, unknown), 0 for the others.");
  for (std::size_t i = 0; i < modules.size(); ++i) {
    if (!modules[i].supervised) continue;
    for (const auto& [health, healthLabel] : kHealth)
      out.sample("plexus_module_health", in.moduleLabels[i], {healthLabel},
                 modules[i].health == health ? "1" : "0");
  }
}

void writeHistograms(Writer& out, const Labelled& in) {
  constexpr std::string_view kBucket = "plexus_module_event_hold_seconds_bucket";
  out.family("plexus_module_event_hold_seconds", "histogram",
             "Time events were held in the module's channel, acceptance to ack, since node start.");
  const auto& modules = in.snapshot.modules;
  for (std::size_t m = 0; m < modules.size(); ++m) {
    const Histogram& histogram = modules[m].holdSeconds;
    const std::string& labels = in.moduleLabels[m];
    if (histogram.bounds.empty() || histogram.counts.size() != histogram.bounds.size() + 1)
      continue;
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < histogram.bounds.size(); ++i) {
      cumulative += histogram.counts[i];
      Buffer le;
      out.sample(kBucket, labels, {",le=\"", formatNumber(le, histogram.bounds[i]), "\""},
                 cumulative);
    }
    cumulative += histogram.counts.back();
    out.sample(kBucket, labels, {",le=\"+Inf\""}, cumulative);
    out.sample("plexus_module_event_hold_seconds_sum", labels, {}, histogram.sum);
    out.sample("plexus_module_event_hold_seconds_count", labels, {}, cumulative);
  }
}

void writeNode(Writer& out, const MetricsSnapshot& snapshot) {
  out.family("plexus_node_info", "gauge",
             "Always 1; the node's version and protocol version as labels.");
  out.sample("plexus_node_info", label("version", snapshot.version),
             {",", label("protocol", snapshot.protocolVersion)}, "1");
  out.family("plexus_node_start_time_seconds", "gauge", "Unix time the node started.");
  out.sample("plexus_node_start_time_seconds", {}, {}, snapshot.startTimeSeconds);
  out.family("plexus_events_published_total", "counter",
             "Events published into the node by source (host, module, operator, in_process), since "
             "node start.");
  constexpr std::array<std::string_view, 4> kSources{
      "source=\"host\"", "source=\"module\"", "source=\"operator\"", "source=\"in_process\""};
  for (std::size_t i = 0; i < kSources.size(); ++i)
    out.sample("plexus_events_published_total", kSources[i], {}, snapshot.publishedBySource[i]);
  out.family("plexus_events_sent_total", "counter", "Events sent to modules, since node start.");
  out.sample("plexus_events_sent_total", {}, {}, snapshot.eventsSent);
  out.family("plexus_event_batches_sent_total", "counter",
             "Event batches sent to modules, since node start.");
  out.sample("plexus_event_batches_sent_total", {}, {}, snapshot.batchesSent);
  out.family("plexus_relayed_duplicates_total", "counter",
             "Relayed events a relay module published again (an origin node and offset the node "
             "took already), answered as duplicates and not routed, since node start.");
  out.sample("plexus_relayed_duplicates_total", {}, {}, snapshot.relayedDuplicates);
  out.family("plexus_metrics_snapshot_duration_seconds", "gauge",
             "The event loop's time building the previous /metrics snapshot.");
  out.sample("plexus_metrics_snapshot_duration_seconds", {}, {}, snapshot.snapshotSeconds);
}

void writeControl(Writer& out, const MetricsSnapshot& snapshot) {
  constexpr std::string_view kName = "plexus_control_requests_rejected_total";
  out.family(kName, "counter",
             "Control socket requests the node refused (answered with an error, by its code) and "
             "connections it refused (peer_refused), since node start.");
  for (std::size_t reason = 0; reason < snapshot.controlRejected.size(); ++reason) {
    const std::string_view name = ControlRejections::reasonName(reason);
    if (!name.empty())
      out.sample(kName, label("reason", name), {}, snapshot.controlRejected[reason]);
  }
}

}  // namespace

bool laneShown(const v1::LaneStats& lane) {
  if (lane.lane() != v1::LANE_CRITICAL) return true;
  // routed counts every event the lane resolved (accepted, dropped, failed) and max_held is a
  // peak since start: once either is non-zero it stays so. queued, in_flight and blocked cover
  // the moments before the first event is resolved.
  return lane.routed() != 0 || lane.max_held() != 0 || lane.queued() != 0 ||
         lane.in_flight() != 0 || lane.blocked() != 0;
}

bool journalShown(const v1::DeliveryStats& delivery) {
  for (const v1::LaneStats& lane : delivery.lanes()) {
    if (lane.lane() == v1::LANE_REPLAY) return true;
  }
  // Counters since node start: non-zero once, non-zero for good.
  return delivery.replayed() != 0 || delivery.redelivered() != 0 || delivery.journal_holes() != 0 ||
         delivery.trimmed() != 0;
}

std::string escapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  appendEscaped(out, value);
  return out;
}

std::string formatMetrics(const MetricsSnapshot& snapshot) {
  Labelled in{snapshot, {}};
  in.moduleLabels.reserve(snapshot.modules.size());
  for (const ModuleMetrics& module : snapshot.modules)
    in.moduleLabels.push_back(label("module", module.id));
  const std::size_t last = g_lastBodySize.load(std::memory_order_relaxed);
  Writer out(last + last / 8);
  writeNode(out, snapshot);
  writeLaneFamilies(out, in);
  writeModuleFamilies(out, in);
  writeSupervision(out, in);
  writeHistograms(out, in);
  writeControl(out, snapshot);
  std::string body = out.take();
  g_lastBodySize.store(body.size(), std::memory_order_relaxed);
  return body;
}

}  // namespace plexus::host
