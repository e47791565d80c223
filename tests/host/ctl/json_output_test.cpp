// --json output: proto field names, every field present with zeros, 64-bit integers as
// strings, enums by name, one line; and the tail line format.

#include "plexus/ctl/json_output.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <plexus/v1/control.pb.h>

namespace plexus::ctl {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(CtlJson, StatsResponseHasEveryFieldWithZerosAndStringCounters) {
  v1::StatsResponse response;
  response.add_modules()->set_module_id("logger");
  auto json = toJson(response);
  ASSERT_TRUE(json.ok()) << json.error().message;
  EXPECT_EQ(*json,
            R"({"modules":[{"module_id":"logger","routed":"0","successful":"0",)"
            R"("channel_full":"0","failed":"0","acked":"0","lost":"0","decode_errors":"0",)"
            R"("rejected":"0","queued":0,"in_flight":0,"max_held":0,)"
            R"("last_event_at_unix_ms":"0","blocked":0,"capacity":0,"filtered":"0",)"
            R"("lanes":[],"replayed":"0","redelivered":"0","journal_holes":"0","trimmed":"0"}]})");
}

TEST(CtlJson, EveryDeliveryStatsFieldIsPresentByItsProtoName) {
  v1::StatsResponse response;
  auto* stats = response.add_modules();
  stats->set_module_id("m");
  stats->set_routed(18446744073709551615ull);  // beyond a double's precision: must be a string
  stats->set_queued(3);
  auto json = toJson(response);
  ASSERT_TRUE(json.ok());
  const auto* descriptor = v1::DeliveryStats::descriptor();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    EXPECT_THAT(*json, HasSubstr("\"" + descriptor->field(i)->name() + "\":"))
        << descriptor->field(i)->name();
  }
  EXPECT_THAT(*json, HasSubstr(R"("routed":"18446744073709551615")"));
  EXPECT_THAT(*json, HasSubstr(R"("queued":3)"));
  EXPECT_THAT(*json, Not(HasSubstr("\n")));
}

TEST(CtlJson, EmptyListsArePresent) {
  auto json = toJson(v1::StatsResponse{});
  ASSERT_TRUE(json.ok());
  EXPECT_EQ(*json, R"({"modules":[]})");
}

TEST(CtlJson, EnumsByName) {
  v1::ModulesResponse response;
  auto* module = response.add_modules();
  module->set_module_id("logger");
  module->set_state(v1::MODULE_STATE_READY);
  module->set_policy(v1::DELIVERY_POLICY_BLOCK);
  module->set_pid(42);
  auto json = toJson(response);
  ASSERT_TRUE(json.ok());
  EXPECT_THAT(*json, HasSubstr(R"("state":"MODULE_STATE_READY")"));
  EXPECT_THAT(*json, HasSubstr(R"("policy":"DELIVERY_POLICY_BLOCK")"));
  EXPECT_THAT(*json, HasSubstr(R"("restart":"RESTART_POLICY_UNSPECIFIED")"));
  EXPECT_THAT(*json, HasSubstr(R"("pid":42)"));
  EXPECT_THAT(*json, HasSubstr(R"("uptime_ms":"0")"));
  EXPECT_THAT(*json, HasSubstr(R"("last_exit":"")"));
}

TEST(CtlJson, JournalResponseByProtoNames) {
  v1::JournalResponse journal;
  journal.set_enabled(true);
  journal.set_directory("/var/lib/plexus/journal");
  journal.add_types(v1::EVENT_TYPE_NEW_BLOCK);
  journal.add_types(v1::EVENT_TYPE_NEW_TRANSACTION);
  journal.set_next_offset(4097);
  journal.set_committed_through(4096);
  journal.set_writing(true);
  journal.set_sync("normal");
  auto json = toJson(journal);
  ASSERT_TRUE(json.ok()) << json.error().message;
  EXPECT_EQ(*json,
            R"({"enabled":true,"directory":"/var/lib/plexus/journal",)"
            R"("types":["EVENT_TYPE_NEW_BLOCK","EVENT_TYPE_NEW_TRANSACTION"],)"
            R"("next_offset":"4097","reserved_through":"0","committed_through":"4096",)"
            R"("journaled":"0","overflow":"0","unjournaled":"0","queued":"0","groups":"0",)"
            R"("failures":"0","failed_offsets":"0","trimmed_events":"0","writing":true,)"
            R"("last_error":"","crash_hole_first":"0","crash_hole_last":"0","sync":"normal"})");
  const auto* descriptor = v1::JournalResponse::descriptor();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    EXPECT_THAT(*json, HasSubstr("\"" + descriptor->field(i)->name() + "\":"))
        << descriptor->field(i)->name();
  }
}

TEST(CtlJson, DisabledJournalHasEveryFieldToo) {
  auto json = toJson(v1::JournalResponse{});
  ASSERT_TRUE(json.ok());
  EXPECT_THAT(*json, HasSubstr(R"({"enabled":false,"directory":"","types":[],)"));
}

TEST(CtlJson, CursorsResponseByProtoNames) {
  v1::CursorsResponse cursors;
  cursors.set_last_offset(10);
  auto* cursor = cursors.add_cursors();
  cursor->set_module_id("d");
  cursor->set_cursor(4);
  cursor->set_delivered_through(7);
  cursor->set_lag_events(6);
  cursor->set_updated_unix_ms(1'700'000'000'000);
  cursor->set_lag_ms(90'000);
  auto json = toJson(cursors);
  ASSERT_TRUE(json.ok()) << json.error().message;
  EXPECT_EQ(*json, R"({"cursors":[{"module_id":"d","cursor":"4","delivered_through":"7",)"
                   R"("lag_events":"6","updated_unix_ms":"1700000000000","lag_ms":"90000"}],)"
                   R"("deleted":"","last_offset":"10"})");
  auto empty = toJson(v1::CursorsResponse{});
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, R"({"cursors":[],"deleted":"","last_offset":"0"})");
}

TEST(CtlJson, TailLine) {
  v1::EventMeta meta;
  meta.set_seq(3);
  meta.set_dropped_before(2);
  v1::Event event;
  event.set_type(v1::EVENT_TYPE_NEW_BLOCK);
  event.set_source("operator");
  event.mutable_new_block()->set_hash("00ab");
  event.mutable_new_block()->set_height(5);
  auto line = tailLine(meta, event, false);
  ASSERT_TRUE(line.ok());
  EXPECT_EQ(
      *line,
      R"({"seq":3,"dropped_before":2,"lifecycle":false,"event":{"type":"EVENT_TYPE_NEW_BLOCK",)"
      R"("source":"operator","published_at_unix_ns":"0","published_mono_ns":"0",)"
      R"("new_block":{"hash":"00ab","height":"5","time_unix_s":"0"}}})");
}

}  // namespace
}  // namespace plexus::ctl
