// Human output: durations, enum short names, and the tables and sentences of each command.

#include "plexus/ctl/format.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "plexus/ctl/table.h"

namespace plexus::ctl {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(CtlFormat, Durations) {
  EXPECT_EQ(formatDuration(0), "0ms");
  EXPECT_EQ(formatDuration(850), "850ms");
  EXPECT_EQ(formatDuration(42'000), "42s");
  EXPECT_EQ(formatDuration(184'000), "3m04s");
  EXPECT_EQ(formatDuration(7'380'000), "2h03m");
  EXPECT_EQ(formatDuration(93'600'000), "1d02h");
}

TEST(CtlFormat, ShortEnumNames) {
  EXPECT_EQ(shortEnumName(v1::ModuleState_descriptor(), v1::MODULE_STATE_READY, "MODULE_STATE_"),
            "ready");
  EXPECT_EQ(shortEnumName(v1::RestartPolicy_descriptor(), v1::RESTART_POLICY_ON_FAILURE,
                          "RESTART_POLICY_"),
            "on_failure");
  EXPECT_EQ(shortEnumName(v1::ModuleState_descriptor(), 0, "MODULE_STATE_"), "-");
  EXPECT_EQ(shortEnumName(v1::ModuleState_descriptor(), 99, "MODULE_STATE_"), "99");
}

TEST(CtlFormat, TableAlignsAndTrimsTrailingSpaces) {
  Table table(
      {{"NAME", Table::Align::Left}, {"N", Table::Align::Right}, {"X", Table::Align::Left}});
  table.addRow({"a", "1", ""});
  table.addRow({"long", "100", "x"});
  EXPECT_EQ(table.render(),
            "NAME    N  X\n"
            "a       1\n"
            "long  100  x\n");
}

TEST(CtlFormat, ModulesTable) {
  v1::ModulesResponse response;
  auto* ready = response.add_modules();
  ready->set_module_id("logger");
  ready->set_state(v1::MODULE_STATE_READY);
  ready->set_pid(4242);
  ready->set_restarts(1);
  ready->set_uptime_ms(65'000);
  ready->set_capacity(100);
  ready->set_policy(v1::DELIVERY_POLICY_UNSPECIFIED);  // means drop
  ready->set_health(v1::HEALTH_UNHEALTHY);
  ready->set_health_reason("stalled handler");
  ready->set_last_exit("signal 9 (Killed)");
  auto* failed = response.add_modules();
  failed->set_module_id("slowpoke");
  failed->set_state(v1::MODULE_STATE_FAILED);
  failed->set_capacity(5);
  failed->set_policy(v1::DELIVERY_POLICY_BLOCK);
  failed->set_health(v1::HEALTH_HEALTHY);
  failed->set_last_exit("exit 3");
  const std::string text = formatModules(response);
  EXPECT_EQ(
      text,
      "MODULE    STATE    PID  RESTARTS  UPTIME  CAPACITY  POLICY  HEALTH                     "
      "  LAST-EXIT\n"
      "logger    ready   4242         1   1m05s       100  drop    unhealthy (stalled "
      "handler)  signal 9 (Killed)\n"
      "slowpoke  failed     -         0       -         5  block   healthy                    "
      "  exit 3\n");
}

TEST(CtlFormat, NoModules) {
  EXPECT_EQ(formatModules({}), "no modules\n");
}

TEST(CtlFormat, StatsTableHasEveryColumn) {
  v1::StatsResponse response;
  auto* s = response.add_modules();
  s->set_module_id("logger");
  s->set_routed(10);
  s->set_successful(8);
  s->set_channel_full(2);
  s->set_acked(7);
  s->set_in_flight(1);
  s->set_max_held(3);
  s->set_filtered(5);
  const std::string text = formatStats(response, false);
  EXPECT_EQ(text,
            "MODULE  ROUTED  SUCCESSFUL  CHANNEL_FULL  FAILED  ACKED  LOST  QUEUED  IN_FLIGHT  "
            "MAX_HELD  DECODE_ERRORS  REJECTED  FILTERED\n"
            "logger      10           8             2       0      7     0       0          1  "
            "       3              0         0         5\n");
  EXPECT_THAT(formatStats(response, true), HasSubstr("\nstatistics reset\n"));
}

TEST(CtlFormat, StatsOfAModuleWithACriticalLaneShowEachLaneUnderTheTotals) {
  v1::StatsResponse response;
  auto* s = response.add_modules();
  s->set_module_id("m");
  s->set_routed(5);
  s->set_successful(5);
  s->set_acked(5);
  auto* event = s->add_lanes();
  event->set_lane(v1::LANE_EVENT);
  event->set_routed(4);
  event->set_successful(4);
  event->set_acked(4);
  event->set_capacity(100);
  auto* critical = s->add_lanes();
  critical->set_lane(v1::LANE_CRITICAL);
  critical->set_routed(1);
  critical->set_successful(1);
  critical->set_acked(1);
  critical->set_capacity(10);
  const std::string text = formatStats(response, false);
  EXPECT_THAT(text, HasSubstr("\nm                5           5  "));
  EXPECT_THAT(text, HasSubstr("\n  event          4           4  "));
  EXPECT_THAT(text, HasSubstr("\n  critical       1           1  "));
  critical->set_capacity(0);  // a module below 1.3: no critical lane, no lane rows
  critical->set_routed(0);
  EXPECT_THAT(formatStats(response, false), Not(HasSubstr("critical")));
}

TEST(CtlFormat, Status) {
  v1::StatusResponse status;
  status.set_version("0.1.0");
  status.set_protocol_version("1.0");
  status.set_pid(77);
  status.set_uptime_ms(3'000);
  status.set_runtime_dir("/tmp/p");
  status.set_modules_total(3);
  status.set_modules_ready(2);
  status.set_modules_failed(1);
  status.set_events_published(12);
  EXPECT_EQ(formatStatus(status),
            "version:          0.1.0\n"
            "protocol:         1.0\n"
            "pid:              77\n"
            "uptime:           3s\n"
            "runtime dir:      /tmp/p\n"
            "modules:          3 total, 2 ready, 1 failed\n"
            "events published: 12\n");
  status.set_relayed_duplicates(3);  // since 1.6, said only when there were any
  EXPECT_THAT(formatStatus(status),
              HasSubstr("events published: 12 (relayed duplicates not routed again: 3)\n"));
}

TEST(CtlFormat, SubscribersAndPublish) {
  v1::SubscribersResponse subscribers;
  subscribers.set_type(v1::EVENT_TYPE_NEW_BLOCK);
  EXPECT_EQ(formatSubscribers(subscribers), "NewBlock: no subscribers\n");
  subscribers.add_module_ids("logger");
  subscribers.add_module_ids("slowpoke");
  EXPECT_EQ(formatSubscribers(subscribers), "NewBlock: 2 subscriber(s)\n  logger\n  slowpoke\n");

  v1::OperatorPublishResponse published;
  published.set_requested(3);
  published.set_published(3);
  published.set_routed(6);
  published.set_accepted(5);
  published.set_dropped(1);
  published.set_modules(2);
  EXPECT_EQ(formatPublished(published, v1::EVENT_TYPE_NEW_BLOCK),
            "published 3 event(s) of NewBlock: delivered to 2 module(s); accepted 5, dropped 1, "
            "failed 0, timed out 0\n");

  published.set_requested(10);
  published.set_failed(1);
  auto* missed = published.add_missed();
  missed->set_module_id("archive");
  missed->set_reason(v1::MISS_REASON_RESTARTING);
  EXPECT_EQ(formatPublished(published, v1::EVENT_TYPE_NEW_BLOCK),
            "published 3 of 10 event(s) of NewBlock: delivered to 2 module(s); accepted 5, "
            "dropped 1, failed 1, timed out 0\n"
            "event 3 was not taken by every block-policy subscriber: archive (restarting)\n");
}

// Since 1.6: an event the node published nothing of (the journal made no room in time) is not
// among the published ones, and the line says so, naming the durable subscribers.
TEST(CtlFormat, AnUnpublishedEventIsNamedAsNotPublished) {
  v1::OperatorPublishResponse published;
  published.set_requested(3);
  published.set_published(1);
  published.set_routed(1);
  published.set_accepted(1);
  published.set_modules(1);
  published.set_unpublished(1);
  auto* missed = published.add_missed();
  missed->set_module_id("d");
  missed->set_reason(v1::MISS_REASON_TIMED_OUT);
  EXPECT_EQ(formatPublished(published, v1::EVENT_TYPE_NEW_BLOCK),
            "published 1 of 3 event(s) of NewBlock: delivered to 1 module(s); accepted 1, "
            "dropped 0, failed 0, timed out 0\n"
            "event 2 was not published: the journal made no room for it within the block "
            "timeout (durable subscriber(s): d (timed out)); nothing was journaled or routed, "
            "publish it again\n");
}

TEST(CtlFormat, ModuleSentences) {
  v1::ControlResponse response;
  response.mutable_load()->mutable_module()->set_module_id("probe");
  response.mutable_load()->mutable_module()->set_pid(99);
  EXPECT_EQ(formatResponse(LoadCommand{}, response), "module probe ready (pid 99)\n");

  response.mutable_reload()->mutable_module()->set_module_id("probe");
  response.mutable_reload()->mutable_module()->set_pid(100);
  EXPECT_EQ(formatResponse(ReloadCommand{"probe"}, response), "module probe reloaded (pid 100)\n");

  response.mutable_unload()->mutable_module()->set_module_id("probe");
  EXPECT_EQ(formatResponse(UnloadCommand{"probe"}, response), "module probe stopped\n");

  response.mutable_maintenance()->set_maintenance_id(7);
  EXPECT_EQ(formatResponse(MaintenanceCommand{}, response), "maintenance #7 started\n");
}

TEST(CtlFormat, SubscribersMarkStoppingModulesAndForgetSaysWhatWasRemoved) {
  v1::SubscribersResponse subscribers;
  subscribers.set_type(v1::EVENT_TYPE_NEW_BLOCK);
  subscribers.add_module_ids("logger");
  subscribers.add_module_ids("leaver");
  subscribers.add_stopping_module_ids("leaver");
  EXPECT_EQ(formatSubscribers(subscribers),
            "NewBlock: 2 subscriber(s)\n  logger\n  leaver  (stopping: events to it fail)\n");
  // Since 1.2 each subscriber's filter, "" when it has none.
  subscribers.add_filters("");
  subscribers.add_filters("height > 100");
  EXPECT_EQ(formatSubscribers(subscribers),
            "NewBlock: 2 subscriber(s)\n  logger\n  leaver  filter: height > 100  (stopping: "
            "events to it fail)\n");

  v1::ControlResponse response;
  response.mutable_forget()->mutable_module()->set_module_id("old");
  response.mutable_forget()->mutable_module()->set_state(v1::MODULE_STATE_FAILED);
  EXPECT_EQ(formatResponse(ForgetCommand{"old"}, response), "module old forgotten (failed)\n");
}

// An enabled journal as the node reports it after 4096 events in 12 group commits.
v1::JournalResponse enabledJournal() {
  v1::JournalResponse journal;
  journal.set_enabled(true);
  journal.set_directory("/var/lib/plexus");
  journal.add_types(v1::EVENT_TYPE_NEW_BLOCK);
  journal.add_types(v1::EVENT_TYPE_NEW_TRANSACTION);
  journal.set_sync("normal");
  journal.set_next_offset(4097);
  journal.set_reserved_through(8192);
  journal.set_committed_through(4096);
  journal.set_journaled(4096);
  journal.set_groups(12);
  journal.set_writing(true);
  return journal;
}

TEST(CtlFormat, JournalEnabled) {
  EXPECT_EQ(formatJournal(enabledJournal()),
            "directory  /var/lib/plexus\n"
            "sync  normal\n"
            "types  NewBlock, NewTransaction\n"
            "offsets  next 4097, reserved through 8192, committed through 4096\n"
            "events  journaled 4096, overflow 0, unjournaled 0, queued 0\n"
            "writes  groups 12, failures 0, failed offsets 0, trimmed 0\n"
            "state  writing\n");
  v1::ControlResponse response;
  *response.mutable_journal() = enabledJournal();
  EXPECT_EQ(formatResponse(JournalCommand{}, response), formatJournal(enabledJournal()));
}

TEST(CtlFormat, JournalWithACrashHoleAndCountersSaysSo) {
  auto journal = enabledJournal();
  journal.set_crash_hole_first(4097);
  journal.set_crash_hole_last(8192);
  journal.set_overflow(3);
  journal.set_unjournaled(2);
  journal.set_queued(5);
  journal.set_trimmed_events(100);
  const auto text = formatJournal(journal);
  EXPECT_THAT(text, HasSubstr("events  journaled 4096, overflow 3, unjournaled 2, queued 5\n"));
  EXPECT_THAT(text, HasSubstr("trimmed 100\n"));
  EXPECT_THAT(text, HasSubstr("state  writing\ncrash hole  4097..8192\n"));
  EXPECT_THAT(formatJournal(enabledJournal()), Not(HasSubstr("crash hole")));
}

TEST(CtlFormat, JournalWithAFailingWriterShowsTheLastError) {
  auto journal = enabledJournal();
  journal.set_writing(false);
  journal.set_failures(2);
  journal.set_failed_offsets(64);
  journal.set_last_error("disk I/O error");
  const auto text = formatJournal(journal);
  EXPECT_THAT(text, HasSubstr("writes  groups 12, failures 2, failed offsets 64, trimmed 0\n"));
  EXPECT_THAT(text, HasSubstr("state  failing: disk I/O error\n"));
  EXPECT_THAT(text, Not(HasSubstr("state  writing")));
  journal.clear_last_error();
  EXPECT_THAT(formatJournal(journal), HasSubstr("state  failing\n"));
}

TEST(CtlFormat, JournalDisabledIsOneLine) {
  EXPECT_EQ(formatJournal(v1::JournalResponse{}), "journal: disabled (no type is journaled)\n");
  v1::ControlResponse response;
  response.mutable_journal()->set_enabled(false);
  EXPECT_EQ(formatResponse(JournalCommand{}, response),
            "journal: disabled (no type is journaled)\n");
}

TEST(CtlFormat, CursorsTable) {
  v1::CursorsResponse cursors;
  cursors.set_last_offset(4096);
  auto* behind = cursors.add_cursors();
  behind->set_module_id("archiver");
  behind->set_cursor(3000);
  behind->set_delivered_through(3100);
  behind->set_lag_events(1096);
  behind->set_lag_ms(184'000);
  behind->set_updated_unix_ms(1'700'000'000'000);
  auto* live = cursors.add_cursors();
  live->set_module_id("d");
  live->set_cursor(4096);
  live->set_delivered_through(4096);
  live->set_updated_unix_ms(1'700'000'000'000);
  EXPECT_EQ(formatCursors(cursors),
            "MODULE    CURSOR  DELIVERED  LAG-EVENTS  LAG-TIME\n"
            "archiver    3000       3100        1096     3m04s\n"
            "d           4096       4096           0         -\n");
  v1::ControlResponse response;
  *response.mutable_cursors() = cursors;
  EXPECT_EQ(formatResponse(CursorsCommand{}, response), formatCursors(cursors));
}

TEST(CtlFormat, CursorsBehindForLessThanASecondShowMilliseconds) {
  v1::CursorsResponse cursors;
  auto* cursor = cursors.add_cursors();
  cursor->set_module_id("d");
  cursor->set_lag_events(1);
  EXPECT_THAT(formatCursors(cursors),
              HasSubstr("d            0          0           1       0ms\n"))
      << "behind: a time, even 0ms, never '-'";
}

TEST(CtlFormat, NoCursorsAndADeleteAreOneLine) {
  v1::CursorsResponse none;
  none.set_last_offset(12);
  EXPECT_EQ(formatCursors(none), "no cursors (journal at offset 12)\n");
  v1::ControlResponse response;
  response.mutable_cursors()->set_deleted("d");
  response.mutable_cursors()->set_last_offset(12);
  EXPECT_EQ(formatResponse(CursorsCommand{"d"}, response), "cursor of module d deleted\n");
}

}  // namespace
}  // namespace plexus::ctl
