// plexusctl, the real binary, against the real node: JSON statistics and module lists match
// what the node reports, empty lists are lists, the exit codes are the documented ones,
// `journal` reports the node's own journal (or that it has none), and `cursors` lists a durable
// module's cursor and deletes it only once the module is unloaded; `journal read` prints the
// journaled events as JSON lines (by type, counted, since a time).

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <sstream>

#include "test_node.h"

namespace plexus::test {
namespace {

CtlRun plexusctl(const TestNode& node, const std::string& args) {
  return runCtl(node, args, /*withStderr=*/false);
}

template <class Message>
Message parseJson(const std::string& json) {
  Message message;
  auto status = google::protobuf::util::JsonStringToMessage(json, &message);
  EXPECT_TRUE(status.ok()) << status.ToString() << "\n" << json;
  return message;
}

TEST(CtlTest, StatsAndModulesJsonMatchTheNode) {
  TempDir scratch;
  ModuleSpec a{"a", {}, {"--report", "/dev/null"}};
  a.capacity = 3;
  ModuleSpec b{"b", {}, {"--report", "/dev/null", "--delay-ms", "1000"}};
  b.capacity = 2;
  TestNode node(a.text() + b.text());
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  auto published =
      plexusctl(node, "publish NewBlock --payload '{\"hash\":\"00ab\",\"height\":5}' --count 5");
  ASSERT_EQ(published.exitCode, 0) << published.out;
  EXPECT_EQ(published.out,
            "published 5 event(s) of NewBlock: delivered to 2 module(s); accepted 5, dropped 5, "
            "failed 0, timed out 0\n");
  ASSERT_TRUE(waitFor([&] { return node.stats("a")->acked() == 3; }));

  auto stats = plexusctl(node, "stats --json");
  ASSERT_EQ(stats.exitCode, 0);
  ASSERT_EQ(stats.out.find('\n'), stats.out.size() - 1) << "one line";
  EXPECT_NE(stats.out.find("\"routed\":\"5\""), std::string::npos) << "64-bit counters as strings";
  EXPECT_NE(stats.out.find("\"lost\":\"0\""), std::string::npos) << "zeros present";
  auto parsed = parseJson<v1::StatsResponse>(stats.out);
  ASSERT_EQ(parsed.modules_size(), 2);
  for (const auto& s : parsed.modules()) {
    expectInvariants(s);
    EXPECT_EQ(s.routed(), 5u);
  }
  EXPECT_EQ(parsed.modules(0).module_id(), "a");
  EXPECT_EQ(parsed.modules(0).channel_full(), 2u);
  EXPECT_EQ(parsed.modules(1).module_id(), "b");
  EXPECT_EQ(parsed.modules(1).channel_full(), 3u);
  EXPECT_EQ(parsed.modules(1).max_held(), 2u);

  auto one = parseJson<v1::StatsResponse>(plexusctl(node, "stats b --json").out);
  ASSERT_EQ(one.modules_size(), 1);
  EXPECT_EQ(one.modules(0).module_id(), "b");

  auto modules = plexusctl(node, "modules --json");
  ASSERT_EQ(modules.exitCode, 0);
  EXPECT_NE(modules.out.find("\"state\":\"MODULE_STATE_READY\""), std::string::npos);
  auto list = parseJson<v1::ModulesResponse>(modules.out);
  ASSERT_EQ(list.modules_size(), 2);
  EXPECT_EQ(list.modules(0).pid(), node.module("a")->pid());
  EXPECT_EQ(list.modules(1).capacity(), 2u);

  auto reset = plexusctl(node, "stats --reset a --json");
  ASSERT_EQ(reset.exitCode, 0);
  auto afterReset = parseJson<v1::StatsResponse>(reset.out);
  EXPECT_EQ(afterReset.modules(0).routed(), 0u);
  EXPECT_EQ(afterReset.modules(0).channel_full(), 0u);
  expectInvariants(afterReset.modules(0));
}

TEST(CtlTest, EmptyListsAreListsAndExitCodesAreDocumented) {
  TestNode node("");
  node.start();
  auto modules = plexusctl(node, "modules --json");
  EXPECT_EQ(modules.exitCode, 0);
  EXPECT_EQ(modules.out, "{\"modules\":[]}\n");
  EXPECT_EQ(plexusctl(node, "stats --json").out, "{\"modules\":[]}\n");
  EXPECT_EQ(plexusctl(node, "publish NodeShutdown").exitCode, 1) << "host-only";
  EXPECT_EQ(plexusctl(node, "stats nosuch").exitCode, 1);
  EXPECT_EQ(plexusctl(node, "publish NoSuchType").exitCode, 2);
  EXPECT_EQ(plexusctl(node, "frobnicate").exitCode, 2);
  auto status = plexusctl(node, "status --json");
  EXPECT_EQ(status.exitCode, 0);
  EXPECT_EQ(parseJson<v1::StatusResponse>(status.out).pid(), node.pid());
  ASSERT_TRUE(node.stop().has_value());
  EXPECT_EQ(plexusctl(node, "status").exitCode, 3) << "node gone";
}

TEST(CtlTest, JournalReportsTheNodesJournal) {
  TestNode node("");
  node.start();
  auto json = plexusctl(node, "journal --json");
  ASSERT_EQ(json.exitCode, 0) << json.out << node.log();
  ASSERT_EQ(json.out.find('\n'), json.out.size() - 1) << "one line";
  EXPECT_NE(json.out.find("\"next_offset\":\""), std::string::npos) << "proto names, strings";
  auto journal = parseJson<v1::JournalResponse>(json.out);
  EXPECT_TRUE(journal.enabled());
  EXPECT_EQ(journal.directory(), node.journalDir().string());
  EXPECT_NE(std::find(journal.types().begin(), journal.types().end(), v1::EVENT_TYPE_NEW_BLOCK),
            journal.types().end())
      << "the default types include NewBlock";
  EXPECT_TRUE(journal.writing()) << journal.last_error();

  auto text = plexusctl(node, "journal");
  EXPECT_EQ(text.exitCode, 0) << text.out;
  EXPECT_NE(text.out.find("directory  " + node.journalDir().string() + "\n"), std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("NewBlock"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("state  writing\n"), std::string::npos) << text.out;
  EXPECT_EQ(plexusctl(node, "journal extra").exitCode, 2);
}

// A node killed with offsets reserved but never written leaves a hole; the next node on the
// same journal records it, and `journal` shows it.
TEST(CtlTest, JournalShowsTheCrashHoleThePreviousRunLeft) {
  TestNode killed("");
  killed.start();
  ASSERT_TRUE(killed.stop(SIGKILL).has_value());
  TestNode next("journal {\n  path: \"" + killed.journalDir().string() + "\"\n}\n");
  next.start();
  auto json = plexusctl(next, "journal --json");
  ASSERT_EQ(json.exitCode, 0) << json.out << next.log();
  auto journal = parseJson<v1::JournalResponse>(json.out);
  EXPECT_EQ(journal.directory(), killed.journalDir().string());
  ASSERT_NE(journal.crash_hole_first(), 0u) << json.out;
  EXPECT_LE(journal.crash_hole_first(), journal.crash_hole_last());
  auto text = plexusctl(next, "journal");
  EXPECT_EQ(text.exitCode, 0);
  EXPECT_NE(text.out.find("crash hole  " + std::to_string(journal.crash_hole_first()) + ".." +
                          std::to_string(journal.crash_hole_last()) + "\n"),
            std::string::npos)
      << text.out;
}

TEST(CtlTest, JournalOfANodeWithoutOneSaysDisabled) {
  TestNode node("journal {\n  disabled: true\n}\n");
  node.start();
  auto text = plexusctl(node, "journal");
  EXPECT_EQ(text.exitCode, 0) << text.out << node.log();
  EXPECT_EQ(text.out, "journal: disabled (no type is journaled)\n");
  auto json = plexusctl(node, "journal --json");
  EXPECT_EQ(json.exitCode, 0);
  EXPECT_FALSE(parseJson<v1::JournalResponse>(json.out).enabled()) << json.out;
}

TEST(CtlTest, CursorsListADurableModuleAndDeleteItsCursorOnlyOnceItIsUnloaded) {
  ModuleSpec d{"d", {}, {"--report", "/dev/null"}};
  d.extra = "  durable: true\n";
  TestNode node(d.text());
  node.start();
  ASSERT_TRUE(node.waitAllReady()) << node.log();
  auto published = plexusctl(node, "publish NewBlock --payload '{\"hash\":\"00ab\"}' --count 3");
  ASSERT_EQ(published.exitCode, 0) << published.out;
  // The probe acks the three: its cursor reaches the journal's last offset.
  ASSERT_TRUE(waitFor([&] {
    auto cursors = node.cursors();
    return cursors.cursors_size() == 1 && cursors.cursors(0).cursor() == 3;
  })) << node.cursors().DebugString()
      << node.log();

  auto json = plexusctl(node, "cursors --json");
  ASSERT_EQ(json.exitCode, 0) << json.out << node.log();
  ASSERT_EQ(json.out.find('\n'), json.out.size() - 1) << "one line";
  auto listed = parseJson<v1::CursorsResponse>(json.out);
  EXPECT_EQ(listed.last_offset(), 3u);
  ASSERT_EQ(listed.cursors_size(), 1) << json.out;
  EXPECT_EQ(listed.cursors(0).module_id(), "d");
  EXPECT_EQ(listed.cursors(0).cursor(), 3u);
  EXPECT_EQ(listed.cursors(0).delivered_through(), 3u);
  EXPECT_EQ(listed.cursors(0).lag_events(), 0u);
  EXPECT_EQ(listed.cursors(0).lag_ms(), 0u);
  EXPECT_GT(listed.cursors(0).updated_unix_ms(), 0);
  auto text = plexusctl(node, "cursors");
  EXPECT_EQ(text.exitCode, 0);
  EXPECT_EQ(text.out,
            "MODULE  CURSOR  DELIVERED  LAG-EVENTS  LAG-TIME\n"
            "d            3          3           0         -\n");

  // Running: refused, and the cursor stays.
  auto refused = runCtl(node, "cursors --delete d", /*withStderr=*/true);
  EXPECT_EQ(refused.exitCode, 1) << refused.out;
  EXPECT_NE(refused.out.find("module 'd' is running"), std::string::npos) << refused.out;
  EXPECT_EQ(node.cursors().cursors_size(), 1);

  ASSERT_EQ(plexusctl(node, "unload d").exitCode, 0) << node.log();
  auto deleted = plexusctl(node, "cursors --delete d");
  EXPECT_EQ(deleted.exitCode, 0) << node.log();
  EXPECT_EQ(deleted.out, "cursor of module d deleted\n");
  auto after = plexusctl(node, "cursors --json");
  EXPECT_EQ(after.exitCode, 0);
  EXPECT_EQ(after.out, "{\"cursors\":[],\"deleted\":\"\",\"last_offset\":\"3\"}\n");
  EXPECT_EQ(plexusctl(node, "cursors").out, "no cursors (journal at offset 3)\n");
  auto again = runCtl(node, "cursors --delete d", /*withStderr=*/true);
  EXPECT_EQ(again.exitCode, 1) << "no cursor left to delete";
  EXPECT_NE(again.out.find("no cursor for module 'd'"), std::string::npos) << again.out;
}

TEST(CtlTest, CursorsOfANodeWithoutAJournalIsAnError) {
  TestNode node("journal {\n  disabled: true\n}\n");
  node.start();
  auto cursors = runCtl(node, "cursors", /*withStderr=*/true);
  EXPECT_EQ(cursors.exitCode, 1) << cursors.out << node.log();
  EXPECT_NE(cursors.out.find("this node has no journal"), std::string::npos) << cursors.out;
}

// The JSON lines of `journal read ARGS`, parsed.
struct ReadLine {
  std::string offset;
  std::string type;
  v1::Event event;
};
std::vector<ReadLine> journalRead(const TestNode& node, const std::string& args) {
  auto run = plexusctl(node, "journal read " + args);
  EXPECT_EQ(run.exitCode, 0) << run.out;
  std::vector<ReadLine> out;
  std::istringstream lines(run.out);
  for (std::string line; std::getline(lines, line);) {
    google::protobuf::Struct parsed;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(line, &parsed).ok()) << line;
    const auto& fields = parsed.fields();
    EXPECT_TRUE(fields.contains("offset") && fields.contains("time")) << line;
    if (!fields.contains("offset")) continue;
    ReadLine read{fields.at("offset").string_value(), fields.at("type").string_value(), {}};
    const std::string time = fields.at("time").string_value();  // 2026-12-04T10:00:00.250Z
    EXPECT_TRUE(time.size() == 24 && time[10] == 'T' && time[19] == '.' && time.back() == 'Z')
        << line;
    const auto start = line.find("\"event\":");
    EXPECT_NE(start, std::string::npos) << line;
    if (start == std::string::npos) continue;
    // The event's JSON runs from after "event": to the line's closing brace.
    const std::string event = line.substr(start + 8, line.size() - start - 9);
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(event, &read.event).ok()) << event;
    out.push_back(read);
  }
  return out;
}

std::string rfc3339Now() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);  // floored to the second
  return text;
}

TEST(CtlTest, JournalReadPrintsTheJournaledEvents) {
  TestNode node(
      "journal {\n  types: EVENT_TYPE_NEW_BLOCK\n  types: EVENT_TYPE_PEER_CONNECTED\n}\n");
  node.start();
  const std::string before = rfc3339Now();
  for (int height : {10, 11, 12}) {
    auto published = plexusctl(node, "publish NewBlock --payload '{\"hash\":\"00ab\",\"height\":" +
                                         std::to_string(height) + "}'");
    ASSERT_EQ(published.exitCode, 0) << published.out << node.log();
  }
  ASSERT_EQ(plexusctl(node, "publish PeerConnected --payload '{\"peer_id\":\"p1\"}'").exitCode, 0);

  // A read is served after everything journaled before it is committed: no wait needed.
  auto blocks = journalRead(node, "--from 1 --type NewBlock");
  ASSERT_EQ(blocks.size(), 3u) << node.log();
  const std::uint64_t first = std::stoull(blocks[0].offset);
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    EXPECT_EQ(blocks[i].offset, std::to_string(first + i)) << "consecutive offsets";
    EXPECT_EQ(blocks[i].type, "NewBlock");
    EXPECT_EQ(blocks[i].event.type(), v1::EVENT_TYPE_NEW_BLOCK);
    EXPECT_EQ(blocks[i].event.new_block().height(), 10u + i);
  }
  auto all = journalRead(node, "--from 1");
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[3].type, "PeerConnected");
  EXPECT_EQ(all[3].event.peer_connected().peer_id(), "p1");
  auto two = journalRead(node, "--from 1 --count 2");
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[1].offset, blocks[1].offset);
  auto since = journalRead(node, "--since " + before);
  ASSERT_EQ(since.size(), 4u);
  EXPECT_EQ(since[0].offset, blocks[0].offset);
  EXPECT_EQ(journalRead(node, "--since 1h").size(), 4u);

  EXPECT_EQ(plexusctl(node, "journal read --from 1 --since 1h").exitCode, 2);
  EXPECT_EQ(plexusctl(node, "journal read").exitCode, 2);
  EXPECT_EQ(plexusctl(node, "journal read --from 1 --type Nope").exitCode, 2);
  EXPECT_EQ(plexusctl(node, "journal read --from 1 --count -1").exitCode, 2);
}

TEST(CtlTest, JournalReadOfANodeWithoutAJournalIsAnError) {
  TestNode node("journal {\n  disabled: true\n}\n");
  node.start();
  auto read = runCtl(node, "journal read --from 1", /*withStderr=*/true);
  EXPECT_EQ(read.exitCode, 1) << read.out << node.log();
  EXPECT_NE(read.out.find("this node has no journal"), std::string::npos) << read.out;
}

}  // namespace
}  // namespace plexus::test
