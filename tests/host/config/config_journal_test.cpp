// NodeConfig.journal (docs/config.md, docs/design.md "Journal"): the journaled types by default
// and as configured, what the validation refuses, retention defaults, and where the journal
// lives when the config does not say.

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "config/config.h"
#include "config/journal_config.h"
#include "config_test_support.h"

namespace plexus::host {
namespace {

using testing::expectInvalid;

bool has(const std::bitset<ipc::kEventTypeSlots>& table, v1::EventType type) {
  return table.test(static_cast<std::size_t>(type));
}

v1::NodeConfig valid(const std::string& text) {
  auto config = parseConfig(text, "j.cfg");
  EXPECT_TRUE(config.ok()) << config.error().message;
  if (!config.ok()) return {};
  const Status status = validateConfig(*config);
  EXPECT_TRUE(status.ok()) << status.error().message;
  return *config;
}

// Parsed and validated: true, or why not (refused by the parse, with line and column, or by the
// validation).
Result<bool> refused(const std::string& text) {
  auto config = parseConfig(text, "j.cfg");
  if (!config.ok()) return config.error();
  const Status status = validateConfig(*config);
  if (!status.ok()) return status.error();
  return true;
}

TEST(ConfigJournalTest, ChainAndGovernanceTypesAreJournaledByDefaultAndNothingElse) {
  const auto table = journaledTypes(v1::NodeConfig{});
  for (auto type :
       {v1::EVENT_TYPE_NEW_BLOCK, v1::EVENT_TYPE_NEW_TRANSACTION, v1::EVENT_TYPE_BLOCK_DISCONNECTED,
        v1::EVENT_TYPE_CHAIN_REORG, v1::EVENT_TYPE_GOVERNANCE_PROPOSAL_CREATED,
        v1::EVENT_TYPE_GOVERNANCE_FORK_DETECTED}) {
    EXPECT_TRUE(has(table, type)) << ipc::displayName(type);
  }
  for (auto type :
       {v1::EVENT_TYPE_PEER_CONNECTED, v1::EVENT_TYPE_MODULE_LOADED, v1::EVENT_TYPE_NODE_SHUTDOWN,
        v1::EVENT_TYPE_HEALTH_CHECK, v1::EVENT_TYPE_DISK_SPACE_LOW}) {
    EXPECT_FALSE(has(table, type)) << ipc::displayName(type);
  }
}

TEST(ConfigJournalTest, ConfiguredTypesReplaceTheDefaultAndDisabledJournalsNothing) {
  const auto table = journaledTypes(
      valid("journal { types: EVENT_TYPE_PEER_BANNED types: EVENT_TYPE_NEW_BLOCK sync: "
            "JOURNAL_SYNC_FULL }"));
  EXPECT_TRUE(has(table, v1::EVENT_TYPE_PEER_BANNED));
  EXPECT_TRUE(has(table, v1::EVENT_TYPE_NEW_BLOCK));
  EXPECT_FALSE(has(table, v1::EVENT_TYPE_NEW_TRANSACTION));
  EXPECT_TRUE(journaledTypes(valid("journal { disabled: true }")).none());
}

TEST(ConfigJournalTest, LifecycleDuplicateAndUnknownTypesAndBadRangesAreRefused) {
  expectInvalid(refused("journal { types: EVENT_TYPE_MODULE_LOADED }"),
                {"journal.types[0]", "ModuleLoaded", "lifecycle", "never journaled"});
  expectInvalid(refused("journal { types: EVENT_TYPE_NEW_BLOCK types: EVENT_TYPE_NEW_BLOCK }"),
                {"journal.types[1]", "NewBlock", "twice"});
  expectInvalid(refused("journal { types: 9 }"), {"journal.types[0]", "not a valid event type"});
  expectInvalid(refused("journal { sync: 7 }"), {"journal.sync"});
  expectInvalid(refused("journal { queue: 3 }"), {"j.cfg:1:11", "journal.queue", "16.."});
  expectInvalid(refused("journal { max_file_bytes: 1000 }"), {"journal.max_file_bytes"});
  expectInvalid(refused("journal { retention { max_age_s: 99999999999 } }"),
                {"journal.retention.max_age_s"});
}

TEST(ConfigJournalTest, DurableModulesNeedAJournalAndStartFieldsNeedDurable) {
  const std::string module = "module { name: \"d\" exec: \"/bin/true\" ";
  valid(module + "durable: true }");
  valid(module + "durable: true start: DURABLE_START_ALL }");
  valid(module + "durable: true start: DURABLE_START_OFFSET start_offset: 7 }");
  expectInvalid(refused(module + "durable: true }\njournal { disabled: true }"),
                {"module 'd'", "durable", "journals no event type"});
  expectInvalid(refused(module + "start: DURABLE_START_ALL }"),
                {"module 'd'", "for durable modules"});
  expectInvalid(refused(module + "start_offset: 3 }"), {"module 'd'", "for durable modules"});
  expectInvalid(refused(module + "durable: true start: DURABLE_START_OFFSET }"),
                {"module 'd'", "start_offset (>= 1)"});
  expectInvalid(refused(module + "durable: true start_offset: 3 }"),
                {"module 'd'", "start_offset (>= 1)"});
  expectInvalid(refused(module + "durable: true start: 9 }"), {"module 'd'", "DurableStart"});
  // A module loaded at run time is checked against the node's config the same way.
  v1::ModuleConfig loaded;
  loaded.set_name("late");
  loaded.set_durable(true);
  v1::NodeConfig noJournal;
  noJournal.mutable_journal()->set_disabled(true);
  expectInvalid(Result<bool>(checkDurable(loaded, noJournal).error()), {"module 'late'"});
  EXPECT_TRUE(checkDurable(loaded, v1::NodeConfig{}).ok());
}

TEST(ConfigJournalTest, RetentionIsBoundedByDefaultAndAsConfiguredOtherwise) {
  const Retention defaults = journalRetention(v1::NodeConfig{});
  EXPECT_EQ(defaults.maxBytes, kDefaultJournalMaxBytes);
  EXPECT_EQ(defaults.maxAgeNs, std::int64_t{7} * 24 * 3600 * 1'000'000'000);
  EXPECT_EQ(defaults.maxEvents, 0u);
  const Retention set =
      journalRetention(valid("journal { retention { max_events: 1000 max_age_s: 60 } }"));
  EXPECT_EQ(set.maxEvents, 1000u);
  EXPECT_EQ(set.maxBytes, 0u);  // given a retention, an unset limit is no limit
  EXPECT_EQ(set.maxAgeNs, std::int64_t{60} * 1'000'000'000);
}

TEST(ConfigJournalTest, TheDirectoryComesFromTheConfigThenSystemdThenXdgThenHome) {
  std::map<std::string, std::string> env;
  const GetEnv getenv = [&](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  expectInvalid(journalDirectory(v1::NodeConfig{}, getenv), {"journal.path is not set"});
  env["HOME"] = "/home/op";
  EXPECT_EQ(journalDirectory(v1::NodeConfig{}, getenv).value(), "/home/op/.local/state/plexus");
  env["XDG_STATE_HOME"] = "";  // empty counts as unset
  EXPECT_EQ(journalDirectory(v1::NodeConfig{}, getenv).value(), "/home/op/.local/state/plexus");
  env["XDG_STATE_HOME"] = "/xdg";
  EXPECT_EQ(journalDirectory(v1::NodeConfig{}, getenv).value(), "/xdg/plexus");
  env["STATE_DIRECTORY"] = "/var/lib/plexus:/var/lib/other";
  EXPECT_EQ(journalDirectory(v1::NodeConfig{}, getenv).value(), "/var/lib/plexus");
  EXPECT_EQ(journalDirectory(valid("journal { path: \"/srv/j\" }"), getenv).value(), "/srv/j");
}

}  // namespace
}  // namespace plexus::host
