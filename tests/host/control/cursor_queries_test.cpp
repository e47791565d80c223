// CursorQueries with a real Journal on the in-memory store: the list is every cursor by module
// id with its lag against the journal's last offset (in events, and in time only while behind);
// a delete is refused while the module runs (the cursor stays), is NOT_FOUND for a module
// without a cursor, and otherwise forgets the cursor and says which; a node without a journal
// answers UNAVAILABLE.

#include "control/cursor_queries.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>

#include "fakes/fake_replier.h"
#include "fakes/memory_journal.h"

namespace plexus::host {
namespace {

using ::testing::HasSubstr;

constexpr std::int64_t kNowMs = 1'700'000'000'000;

JournalSettings newBlocksOnly() {
  JournalSettings settings;
  settings.directory = "/nonexistent/for-messages-only";
  settings.types.set(static_cast<std::size_t>(v1::EVENT_TYPE_NEW_BLOCK));
  return settings;
}

Cursor cursorOf(const std::string& moduleId, std::uint64_t cursor, std::uint64_t delivered,
                std::int64_t updatedMs) {
  Cursor out;
  out.moduleId = moduleId;
  out.cursor = cursor;
  out.deliveredThrough = delivered;
  out.updatedNs = updatedMs * 1'000'000;
  return out;
}

class CursorQueriesTest : public ::testing::Test {
 protected:
  CursorQueriesTest() {
    for (int i = 0; i < 10; ++i)
      journal->record(v1::EVENT_TYPE_NEW_BLOCK, ipc::SharedBytes::copyOf("block"));
  }

  // Sends a CursorsRequest (deleting `deleteModule` when not empty); the one answer.
  v1::ControlResponse ask(CursorQueries& handler, const std::string& deleteModule = {}) {
    v1::ControlRequest request;
    request.set_correlation_id(++m_correlation);
    request.mutable_cursors()->set_delete_module(deleteModule);
    const std::size_t before = replier.sent.size();
    handler.handle("op", request);
    EXPECT_EQ(replier.sent.size(), before + 1) << "one answer per request";
    EXPECT_EQ(replier.last().correlation_id(), m_correlation);
    return replier.last();
  }

  std::unique_ptr<Journal> journal =
      std::make_unique<Journal>(std::make_unique<MemoryJournal>(), newBlocksOnly());
  std::set<std::string> running;
  fakes::FakeReplier replier;
  CursorQueries queries{replier, journal.get(),
                        [this](const std::string& id) { return running.contains(id); },
                        [] { return kNowMs; }};

 private:
  std::uint64_t m_correlation = 0;
};

TEST_F(CursorQueriesTest, ListsEachCursorByModuleWithItsLag) {
  ASSERT_EQ(journal->lastOffset(), 10u);
  journal->saveCursor(cursorOf("zeta", 4, 7, kNowMs - 90'000));    // behind by 6, for 90 s
  journal->saveCursor(cursorOf("alpha", 10, 10, kNowMs - 5'000));  // caught up
  auto response = ask(queries);
  ASSERT_TRUE(response.has_cursors()) << response.DebugString();
  const auto& cursors = response.cursors();
  EXPECT_EQ(cursors.last_offset(), 10u);
  EXPECT_EQ(cursors.deleted(), "");
  ASSERT_EQ(cursors.cursors_size(), 2);
  const auto& alpha = cursors.cursors(0);
  EXPECT_EQ(alpha.module_id(), "alpha");
  EXPECT_EQ(alpha.cursor(), 10u);
  EXPECT_EQ(alpha.delivered_through(), 10u);
  EXPECT_EQ(alpha.lag_events(), 0u);
  EXPECT_EQ(alpha.lag_ms(), 0u) << "not behind: no lag in time, however old the cursor";
  EXPECT_EQ(alpha.updated_unix_ms(), kNowMs - 5'000);
  const auto& zeta = cursors.cursors(1);
  EXPECT_EQ(zeta.module_id(), "zeta");
  EXPECT_EQ(zeta.cursor(), 4u);
  EXPECT_EQ(zeta.delivered_through(), 7u);
  EXPECT_EQ(zeta.lag_events(), 6u);
  EXPECT_EQ(zeta.lag_ms(), 90'000u);
  EXPECT_EQ(zeta.updated_unix_ms(), kNowMs - 90'000);
}

TEST_F(CursorQueriesTest, AClockSteppedBackShowsNoLagInTime) {
  journal->saveCursor(cursorOf("d", 2, 2, kNowMs + 60'000));
  auto response = ask(queries);
  ASSERT_EQ(response.cursors().cursors_size(), 1);
  EXPECT_EQ(response.cursors().cursors(0).lag_events(), 8u);
  EXPECT_EQ(response.cursors().cursors(0).lag_ms(), 0u);
}

TEST_F(CursorQueriesTest, NoCursorsIsAnEmptyListWithTheLastOffset) {
  auto response = ask(queries);
  ASSERT_TRUE(response.has_cursors()) << response.DebugString();
  EXPECT_EQ(response.cursors().cursors_size(), 0);
  EXPECT_EQ(response.cursors().last_offset(), 10u);
}

TEST_F(CursorQueriesTest, DeleteIsRefusedWhileTheModuleRuns) {
  journal->saveCursor(cursorOf("d", 3, 5, kNowMs));
  running.insert("d");
  auto response = ask(queries, "d");
  ASSERT_TRUE(response.has_error()) << response.DebugString();
  EXPECT_EQ(response.error().code(), v1::ERROR_CODE_UNAVAILABLE);
  EXPECT_THAT(response.error().message(), HasSubstr("module 'd' is running"));
  EXPECT_THAT(response.error().message(), HasSubstr("unload it first"));
  ASSERT_TRUE(journal->cursor("d").has_value()) << "the cursor stays";
  EXPECT_EQ(journal->cursor("d")->cursor, 3u);
}

TEST_F(CursorQueriesTest, DeleteOfAModuleWithoutACursorIsNotFound) {
  journal->saveCursor(cursorOf("d", 3, 5, kNowMs));
  auto response = ask(queries, "unknown");
  ASSERT_TRUE(response.has_error()) << response.DebugString();
  EXPECT_EQ(response.error().code(), v1::ERROR_CODE_NOT_FOUND);
  EXPECT_THAT(response.error().message(), HasSubstr("no cursor for module 'unknown'"));
  EXPECT_TRUE(journal->cursor("d").has_value()) << "another module's cursor is untouched";
}

TEST_F(CursorQueriesTest, DeleteForgetsTheCursorOfAModuleThatNoLongerRuns) {
  journal->saveCursor(cursorOf("d", 3, 5, kNowMs));
  journal->saveCursor(cursorOf("other", 9, 9, kNowMs));
  running.insert("other");  // another module running does not matter
  auto response = ask(queries, "d");
  ASSERT_TRUE(response.has_cursors()) << response.DebugString();
  EXPECT_EQ(response.cursors().deleted(), "d");
  EXPECT_EQ(response.cursors().cursors_size(), 0);
  EXPECT_EQ(response.cursors().last_offset(), 10u);
  EXPECT_FALSE(journal->cursor("d").has_value());
  auto list = ask(queries);
  ASSERT_EQ(list.cursors().cursors_size(), 1);
  EXPECT_EQ(list.cursors().cursors(0).module_id(), "other");
  auto again = ask(queries, "d");
  ASSERT_TRUE(again.has_error()) << "gone: a second delete finds nothing";
  EXPECT_EQ(again.error().code(), v1::ERROR_CODE_NOT_FOUND);
}

TEST(CursorQueriesWithoutJournal, AnswersUnavailable) {
  fakes::FakeReplier replier;
  bool asked = false;
  CursorQueries queries(replier, nullptr, [&asked](const std::string&) {
    asked = true;
    return false;
  });
  for (const std::string module : {"", "d"}) {
    v1::ControlRequest request;
    request.set_correlation_id(7);
    request.mutable_cursors()->set_delete_module(module);
    queries.handle("op", request);
    ASSERT_TRUE(replier.last().has_error()) << module;
    EXPECT_EQ(replier.last().error().code(), v1::ERROR_CODE_UNAVAILABLE);
    EXPECT_EQ(replier.last().error().correlation_id(), 7u);
    EXPECT_THAT(replier.last().error().message(), HasSubstr("no journal"));
  }
  EXPECT_EQ(replier.sent.size(), 2u);
  EXPECT_FALSE(asked);
}

}  // namespace
}  // namespace plexus::host
