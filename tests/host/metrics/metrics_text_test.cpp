#include "metrics/metrics_text.h"

#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace plexus::host {
namespace {

MetricsSnapshot oneModule(const std::string& id) {
  MetricsSnapshot snapshot;
  snapshot.version = "1.2.3";
  snapshot.protocolVersion = "1.5";
  snapshot.startTimeSeconds = 1700000000.5;
  snapshot.eventsPublished = 42;
  snapshot.publishedBySource = {40, 1, 1, 0};
  ModuleMetrics module;
  module.id = id;
  module.hasDelivery = true;
  module.delivery.set_module_id(id);
  module.delivery.set_filtered(7);
  module.delivery.set_last_event_at_unix_ms(1500);
  v1::LaneStats* event = module.delivery.add_lanes();
  event->set_lane(v1::LANE_EVENT);
  event->set_routed(10);
  event->set_acked(9);
  v1::LaneStats* critical = module.delivery.add_lanes();
  critical->set_lane(v1::LANE_CRITICAL);
  critical->set_routed(3);
  module.supervised = true;
  module.state = v1::MODULE_STATE_READY;
  module.restarts = 2;
  module.health = v1::HEALTH_HEALTHY;
  snapshot.modules.push_back(module);
  return snapshot;
}

// Every sample line "name{labels} value" as a map; HELP and TYPE lines counted per name.
struct Parsed {
  std::map<std::string, std::string> samples;
  std::map<std::string, int> help, type;
};

Parsed parse(const std::string& text) {
  Parsed out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("# HELP ", 0) == 0) {
      ++out.help[line.substr(7, line.find(' ', 7) - 7)];
    } else if (line.rfind("# TYPE ", 0) == 0) {
      ++out.type[line.substr(7, line.find(' ', 7) - 7)];
    } else {
      const auto space = line.rfind(' ');
      out.samples[line.substr(0, space)] = line.substr(space + 1);
    }
  }
  return out;
}

TEST(MetricsTextTest, EscapesBackslashQuoteAndNewlineInLabelValues) {
  EXPECT_EQ(escapeLabelValue("plain-id_1"), "plain-id_1");
  EXPECT_EQ(escapeLabelValue("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
}

TEST(MetricsTextTest, AModuleIdIsEscapedInEveryLabel) {
  const Parsed parsed = parse(formatMetrics(oneModule("we\"ird\\id\n")));
  EXPECT_EQ(parsed.samples.at(
                "plexus_module_events_routed_total{module=\"we\\\"ird\\\\id\\n\",lane=\"event\"}"),
            "10");
}

TEST(MetricsTextTest, EveryFamilyHasOneHelpAndOneTypeLine) {
  const Parsed parsed = parse(formatMetrics(oneModule("m")));
  ASSERT_FALSE(parsed.type.empty());
  for (const auto& [name, count] : parsed.type) {
    EXPECT_EQ(count, 1) << name;
    EXPECT_EQ(parsed.help.count(name), 1U) << name;
  }
  for (const auto& [sample, value] : parsed.samples) {
    std::string name = sample.substr(0, sample.find('{'));
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      const std::string tail = suffix;
      if (!parsed.type.count(name) && name.size() > tail.size() &&
          name.compare(name.size() - tail.size(), tail.size(), tail) == 0)
        name.resize(name.size() - tail.size());
    }
    EXPECT_EQ(parsed.type.count(name), 1U) << sample;
  }
}

TEST(MetricsTextTest, LaneCountersPerLaneModuleCountersPerModule) {
  const Parsed parsed = parse(formatMetrics(oneModule("m")));
  EXPECT_EQ(parsed.samples.at("plexus_module_events_routed_total{module=\"m\",lane=\"event\"}"),
            "10");
  EXPECT_EQ(parsed.samples.at("plexus_module_events_routed_total{module=\"m\",lane=\"critical\"}"),
            "3");
  EXPECT_EQ(parsed.samples.at("plexus_module_events_acked_total{module=\"m\",lane=\"event\"}"),
            "9");
  EXPECT_EQ(parsed.samples.at("plexus_module_events_filtered_total{module=\"m\"}"), "7");
  EXPECT_EQ(parsed.samples.at("plexus_module_last_event_timestamp_seconds{module=\"m\"}"), "1.5");
  EXPECT_EQ(parsed.samples.at("plexus_events_published_total{source=\"host\"}"), "40");
  EXPECT_EQ(parsed.samples.at("plexus_events_published_total{source=\"operator\"}"), "1");
  EXPECT_EQ(parsed.samples.at("plexus_events_published_total{source=\"in_process\"}"), "0");
  EXPECT_EQ(parsed.samples.at("plexus_node_info{version=\"1.2.3\",protocol=\"1.5\"}"), "1");
  EXPECT_EQ(parsed.samples.at("plexus_relayed_duplicates_total"), "0");
  EXPECT_EQ(parsed.samples.at("plexus_node_start_time_seconds"), "1700000000.5");
}

TEST(MetricsTextTest, StateAndHealthAreOneHotEnums) {
  const Parsed parsed = parse(formatMetrics(oneModule("m")));
  EXPECT_EQ(parsed.samples.at("plexus_module_state{module=\"m\",state=\"ready\"}"), "1");
  EXPECT_EQ(parsed.samples.at("plexus_module_state{module=\"m\",state=\"crashed\"}"), "0");
  EXPECT_EQ(parsed.samples.at("plexus_module_state{module=\"m\",state=\"disconnected\"}"), "0");
  EXPECT_EQ(parsed.samples.at("plexus_module_health{module=\"m\",health=\"healthy\"}"), "1");
  EXPECT_EQ(parsed.samples.at("plexus_module_health{module=\"m\",health=\"unhealthy\"}"), "0");
  EXPECT_EQ(parsed.samples.at("plexus_module_restarts_total{module=\"m\"}"), "2");
}

TEST(MetricsTextTest, AModuleWithoutDeliveryOrSupervisionHasNoSuchRows) {
  MetricsSnapshot snapshot = oneModule("m");
  snapshot.modules[0].hasDelivery = false;
  snapshot.modules[0].supervised = false;
  const Parsed parsed = parse(formatMetrics(snapshot));
  for (const auto& [sample, value] : parsed.samples)
    EXPECT_EQ(sample.find("module=\"m\""), std::string::npos) << sample;
}

TEST(MetricsTextTest, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  MetricsSnapshot snapshot = oneModule("m");
  snapshot.modules[0].holdSeconds = Histogram{{0.001, 0.01}, {2, 3, 4}, 1.5};
  const Parsed parsed = parse(formatMetrics(snapshot));
  EXPECT_EQ(parsed.type.at("plexus_module_event_hold_seconds"), 1);
  EXPECT_EQ(parsed.samples.at("plexus_module_event_hold_seconds_bucket{module=\"m\",le=\"0.001\"}"),
            "2");
  EXPECT_EQ(parsed.samples.at("plexus_module_event_hold_seconds_bucket{module=\"m\",le=\"0.01\"}"),
            "5");
  EXPECT_EQ(parsed.samples.at("plexus_module_event_hold_seconds_bucket{module=\"m\",le=\"+Inf\"}"),
            "9");
  EXPECT_EQ(parsed.samples.at("plexus_module_event_hold_seconds_count{module=\"m\"}"), "9");
  EXPECT_EQ(parsed.samples.at("plexus_module_event_hold_seconds_sum{module=\"m\"}"), "1.5");
}

TEST(MetricsTextTest, AMalformedHistogramIsLeftOut) {
  MetricsSnapshot snapshot = oneModule("m");
  snapshot.modules[0].holdSeconds = Histogram{{0.001, 0.01}, {2}, 1.5};  // counts too short
  const Parsed parsed = parse(formatMetrics(snapshot));
  EXPECT_EQ(parsed.samples.count("plexus_module_event_hold_seconds_count{module=\"m\"}"), 0U);
}

TEST(MetricsTextTest, ControlRejectionsHaveEveryReasonEvenAtZero) {
  MetricsSnapshot snapshot = oneModule("m");
  snapshot.controlRejected[v1::ERROR_CODE_NOT_FOUND] = 3;
  snapshot.controlRejected[ControlRejections::kPeerRefused] = 2;
  const Parsed parsed = parse(formatMetrics(snapshot));
  const std::string name = "plexus_control_requests_rejected_total";
  EXPECT_EQ(parsed.type.at(name), 1);
  EXPECT_EQ(parsed.samples.at(name + "{reason=\"not_found\"}"), "3");
  EXPECT_EQ(parsed.samples.at(name + "{reason=\"peer_refused\"}"), "2");
  EXPECT_EQ(parsed.samples.at(name + "{reason=\"malformed\"}"), "0");
  int reasons = 0;
  for (const auto& [sample, value] : parsed.samples)
    reasons += sample.rfind(name + "{reason=", 0) == 0 ? 1 : 0;
  EXPECT_EQ(reasons, static_cast<int>(ControlRejections::kReasons));
}

int rowsOf(const Parsed& parsed, const std::string& labelPart) {
  int rows = 0;
  for (const auto& [sample, value] : parsed.samples)
    rows += sample.find(labelPart) != std::string::npos ? 1 : 0;
  return rows;
}

TEST(MetricsTextTest, AnUnusedCriticalLaneHasNoRowsTheEventLaneAlways) {
  MetricsSnapshot snapshot = oneModule("m");
  v1::LaneStats* critical = snapshot.modules[0].delivery.mutable_lanes(1);
  critical->set_routed(0);
  critical->set_capacity(10);  // every module has the lane; unused, it has no rows
  snapshot.modules[0].delivery.mutable_lanes(0)->Clear();  // an event lane at 0 keeps its rows
  snapshot.modules[0].delivery.mutable_lanes(0)->set_lane(v1::LANE_EVENT);
  const Parsed parsed = parse(formatMetrics(snapshot));
  EXPECT_EQ(rowsOf(parsed, "lane=\"critical\""), 0);
  EXPECT_EQ(rowsOf(parsed, "lane=\"event\""), 11) << "one row per lane family";
  EXPECT_EQ(parsed.samples.at("plexus_module_events_routed_total{module=\"m\",lane=\"event\"}"),
            "0");
  EXPECT_EQ(parsed.type.count("plexus_module_events_routed_total"), 1U) << "the family stays";
}

TEST(MetricsTextTest, TheCriticalLaneAppearsWithItsFirstEventAndStays) {
  // Each step is a later snapshot of the same lane: counters since start only grow, gauges go
  // up and back down. From the first step with a waiting, queued or routed event on, every step
  // has the rows.
  std::vector<v1::LaneStats> steps(5);
  for (v1::LaneStats& step : steps) {
    step.set_lane(v1::LANE_CRITICAL);
    step.set_capacity(10);
  }
  steps[1].set_blocked(1);  // a block-policy publish waits before anything is resolved
  steps[2].set_queued(1);
  steps[2].set_routed(1);
  steps[2].set_successful(1);
  steps[2].set_max_held(1);
  steps[3].set_routed(1);  // acked: gauges back at 0
  steps[3].set_successful(1);
  steps[3].set_acked(1);
  steps[3].set_max_held(1);
  steps[4].set_max_held(1);  // a peak alone (never without routed in the node) still shows
  EXPECT_FALSE(laneShown(steps[0]));
  for (std::size_t i = 1; i < steps.size(); ++i)
    EXPECT_TRUE(laneShown(steps[i])) << "step " << i;
  v1::LaneStats queuedOnly = steps[0];
  queuedOnly.set_in_flight(1);
  EXPECT_TRUE(laneShown(queuedOnly));

  MetricsSnapshot snapshot = oneModule("m");
  *snapshot.modules[0].delivery.mutable_lanes(1) = steps[3];
  const Parsed parsed = parse(formatMetrics(snapshot));
  EXPECT_EQ(rowsOf(parsed, "lane=\"critical\""), 11);
  EXPECT_EQ(parsed.samples.at("plexus_module_events_acked_total{module=\"m\",lane=\"critical\"}"),
            "1");
  EXPECT_EQ(parsed.samples.at("plexus_module_channel_capacity{module=\"m\",lane=\"critical\"}"),
            "10");
}

TEST(MetricsTextTest, AReplayLaneAlwaysHasItsRows) {
  v1::LaneStats replay;
  replay.set_lane(v1::LANE_REPLAY);
  replay.set_capacity(50);
  EXPECT_TRUE(laneShown(replay)) << "stats.proto has it only for a module that has one";
  v1::LaneStats event;
  event.set_lane(v1::LANE_EVENT);
  EXPECT_TRUE(laneShown(event));
}

TEST(MetricsTextTest, JournalRowsOnlyForAModuleWithAReplayLaneOrJournalCounts) {
  const std::vector<std::string> journal{
      "plexus_module_events_replayed_total", "plexus_module_events_redelivered_total",
      "plexus_module_journal_holes_total", "plexus_module_journal_trimmed_total"};
  MetricsSnapshot snapshot = oneModule("m");
  Parsed parsed = parse(formatMetrics(snapshot));
  for (const std::string& name : journal) {
    EXPECT_EQ(parsed.samples.count(name + "{module=\"m\"}"), 0U) << name;
    EXPECT_EQ(parsed.type.count(name), 1U) << "the family stays: " << name;
  }
  EXPECT_EQ(parsed.samples.at("plexus_module_events_filtered_total{module=\"m\"}"), "7");
  EXPECT_EQ(parsed.samples.at("plexus_module_decode_errors_total{module=\"m\"}"), "0")
      << "every other module family at 0";

  v1::LaneStats* replay = snapshot.modules[0].delivery.add_lanes();
  replay->set_lane(v1::LANE_REPLAY);
  replay->set_capacity(50);
  EXPECT_TRUE(journalShown(snapshot.modules[0].delivery));
  parsed = parse(formatMetrics(snapshot));
  for (const std::string& name : journal)
    EXPECT_EQ(parsed.samples.at(name + "{module=\"m\"}"), "0") << "durable: from 0 on, " << name;

  for (int field = 0; field < 4; ++field) {
    v1::DeliveryStats counts;
    if (field == 0) counts.set_replayed(1);
    if (field == 1) counts.set_redelivered(1);
    if (field == 2) counts.set_journal_holes(1);
    if (field == 3) counts.set_trimmed(1);
    EXPECT_TRUE(journalShown(counts)) << journal[field];
  }
  EXPECT_FALSE(journalShown(v1::DeliveryStats{}));
}

TEST(MetricsTextTest, TheSameSnapshotFormatsTheSameAndLargeNumbersExactly) {
  MetricsSnapshot snapshot = oneModule("m");
  snapshot.eventsSent = 18446744073709551615ULL;
  snapshot.relayedDuplicates = 7;
  snapshot.modules[0].delivery.mutable_lanes(0)->set_routed(1ULL << 60);
  snapshot.modules[0].delivery.set_rejected(100000);
  const std::string first = formatMetrics(snapshot);
  EXPECT_EQ(formatMetrics(snapshot), first) << "no state carried from one scrape to the next";
  const Parsed parsed = parse(first);
  EXPECT_EQ(parsed.samples.at("plexus_events_sent_total"), "18446744073709551615");
  EXPECT_EQ(parsed.samples.at("plexus_relayed_duplicates_total"), "7");
  EXPECT_EQ(parsed.samples.at("plexus_module_events_routed_total{module=\"m\",lane=\"event\"}"),
            "1152921504606846976");
  // Module counters are formatted as doubles (shortest form), as they always were.
  EXPECT_EQ(parsed.samples.at("plexus_module_rejected_requests_total{module=\"m\"}"), "1e+05");
}

}  // namespace
}  // namespace plexus::host
