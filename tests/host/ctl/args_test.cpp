// plexusctl's command line: every command, global options on either side of the command,
// usage errors for everything malformed, and the values that end up in the Command.

#include "plexus/ctl/args.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "parse_helpers.h"

namespace plexus::ctl {
namespace {

using testing::command;
using ::testing::HasSubstr;
using testing::invocation;
using testing::parse;
using testing::usageError;

TEST(CtlArgs, StatusAndModulesTakeNoArguments) {
  EXPECT_TRUE(std::holds_alternative<StatusCommand>(invocation({"status"}).command));
  EXPECT_TRUE(std::holds_alternative<ModulesCommand>(invocation({"modules"}).command));
  EXPECT_THAT(usageError({"status", "extra"}), HasSubstr("unexpected argument 'extra'"));
  EXPECT_THAT(usageError({"modules", "--reset"}), HasSubstr("unknown option '--reset'"));
}

TEST(CtlArgs, JournalTakesNoArguments) {
  EXPECT_TRUE(std::holds_alternative<JournalCommand>(invocation({"journal"}).command));
  auto json = invocation({"journal", "--json"});
  EXPECT_TRUE(std::holds_alternative<JournalCommand>(json.command));
  EXPECT_TRUE(json.globals.json);
  EXPECT_TRUE(invocation({"--json", "journal"}).globals.json);
  const auto extra = usageError({"journal", "extra"});
  EXPECT_THAT(extra, HasSubstr("journal: unexpected argument 'extra'"));
  EXPECT_THAT(extra, HasSubstr("plexusctl journal --help"));
  EXPECT_THAT(usageError({"journal", "--reset"}), HasSubstr("unknown option '--reset'"));
  auto help = parse({"journal", "--help"});
  ASSERT_TRUE(help.ok());
  EXPECT_EQ(std::get<HelpRequest>(*help).command, "journal");
}

TEST(CtlArgs, CursorsListsOrDeletesOneModule) {
  EXPECT_EQ(command<CursorsCommand>({"cursors"}).deleteModule, "");
  EXPECT_EQ(command<CursorsCommand>({"cursors", "--delete", "d"}).deleteModule, "d");
  EXPECT_EQ(command<CursorsCommand>({"cursors", "--delete=old-one"}).deleteModule, "old-one");
  auto json = invocation({"--json", "cursors"});
  EXPECT_TRUE(std::holds_alternative<CursorsCommand>(json.command));
  EXPECT_TRUE(json.globals.json);
  EXPECT_THAT(usageError({"cursors", "d"}), HasSubstr("cursors: unexpected argument 'd'"));
  EXPECT_THAT(usageError({"cursors", "--delete"}), HasSubstr("--delete needs a value"));
  EXPECT_THAT(usageError({"cursors", "--delete="}), HasSubstr("--delete needs a module id"));
  EXPECT_THAT(usageError({"cursors", "--delete", "a", "--delete", "b"}),
              HasSubstr("--delete given more than once"));
  EXPECT_THAT(usageError({"cursors", "--reset"}), HasSubstr("unknown option '--reset'"));
  EXPECT_THAT(usageError({"journal", "--delete", "d"}), HasSubstr("unknown option '--delete'"));
  auto help = parse({"cursors", "--help"});
  ASSERT_TRUE(help.ok());
  EXPECT_EQ(std::get<HelpRequest>(*help).command, "cursors");
}

TEST(CtlArgs, GlobalDefaults) {
  auto inv = invocation({"status"});
  EXPECT_EQ(inv.globals.runtimeDir, "");
  EXPECT_FALSE(inv.globals.timeout.has_value());
  EXPECT_FALSE(inv.globals.json);
}

TEST(CtlArgs, GlobalOptionsBeforeTheCommand) {
  auto inv = invocation({"--runtime-dir", "/tmp/x", "--timeout", "250", "--json", "status"});
  EXPECT_EQ(inv.globals.runtimeDir, "/tmp/x");
  ASSERT_TRUE(inv.globals.timeout.has_value());
  EXPECT_EQ(inv.globals.timeout->count(), 250);
  EXPECT_TRUE(inv.globals.json);
}

TEST(CtlArgs, GlobalOptionsAfterTheCommandAndMixedWithItsOwn) {
  auto inv =
      invocation({"stats", "--json", "logger", "--reset", "--runtime-dir=/r", "--timeout=9"});
  EXPECT_EQ(inv.globals.runtimeDir, "/r");
  EXPECT_EQ(inv.globals.timeout->count(), 9);
  EXPECT_TRUE(inv.globals.json);
  const auto& stats = std::get<StatsCommand>(inv.command);
  EXPECT_EQ(stats.moduleId, "logger");
  EXPECT_TRUE(stats.reset);
}

TEST(CtlArgs, BadGlobalValues) {
  EXPECT_THAT(usageError({"--timeout", "0", "status"}), HasSubstr("--timeout"));
  EXPECT_THAT(usageError({"--timeout", "-5", "status"}), HasSubstr("not '-5'"));
  EXPECT_THAT(usageError({"--timeout", "5s", "status"}), HasSubstr("not '5s'"));
  EXPECT_THAT(usageError({"status", "--timeout"}), HasSubstr("--timeout needs a value"));
  EXPECT_THAT(usageError({"--runtime-dir=", "status"}), HasSubstr("--runtime-dir"));
  EXPECT_THAT(usageError({"--timeout", "1", "--timeout", "2", "status"}),
              HasSubstr("more than once"));
  EXPECT_THAT(usageError({"--json=yes", "status"}), HasSubstr("--json takes no value"));
}

TEST(CtlArgs, MissingOrUnknownCommand) {
  EXPECT_THAT(usageError({}), HasSubstr("missing command"));
  EXPECT_THAT(usageError({"--json"}), HasSubstr("missing command"));
  EXPECT_THAT(usageError({"frobnicate"}), HasSubstr("unknown command 'frobnicate'"));
  EXPECT_THAT(usageError({"--bogus", "status"}), HasSubstr("unknown option '--bogus'"));
}

TEST(CtlArgs, UsageErrorsPointAtTheRightHelp) {
  EXPECT_THAT(usageError({"stats", "--bogus"}), HasSubstr("plexusctl stats --help"));
  EXPECT_THAT(usageError({"frobnicate"}), HasSubstr("plexusctl --help"));
}

TEST(CtlArgs, HelpAndVersion) {
  auto general = parse({"--help"});
  ASSERT_TRUE(general.ok());
  EXPECT_EQ(std::get<HelpRequest>(*general).command, "");
  auto perCommand = parse({"stats", "--help"});
  ASSERT_TRUE(perCommand.ok());
  EXPECT_EQ(std::get<HelpRequest>(*perCommand).command, "stats");
  auto viaHelp = parse({"help", "publish"});
  ASSERT_TRUE(viaHelp.ok());
  EXPECT_EQ(std::get<HelpRequest>(*viaHelp).command, "publish");
  // --help wins over what is missing or wrong on the rest of the line.
  auto missing = parse({"publish", "-h"});
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(std::get<HelpRequest>(*missing).command, "publish");
  auto wrong = parse({"stats", "--bogus", "--help"});
  ASSERT_TRUE(wrong.ok());
  EXPECT_EQ(std::get<HelpRequest>(*wrong).command, "stats");
  EXPECT_THAT(usageError({"help", "frobnicate"}), HasSubstr("unknown command 'frobnicate'"));
  auto version = parse({"--version"});
  ASSERT_TRUE(version.ok());
  EXPECT_TRUE(std::holds_alternative<VersionRequest>(*version));
}

TEST(CtlArgs, Stats) {
  auto all = command<StatsCommand>({"stats"});
  EXPECT_EQ(all.moduleId, "");
  EXPECT_FALSE(all.reset);
  auto one = command<StatsCommand>({"stats", "--reset", "chainsim"});
  EXPECT_EQ(one.moduleId, "chainsim");
  EXPECT_TRUE(one.reset);
  EXPECT_THAT(usageError({"stats", "a", "b"}), HasSubstr("unexpected argument 'b'"));
}

TEST(CtlArgs, SubscribersAcceptsEveryEventTypeSpelling) {
  for (const char* spelling : {"NewBlock", "EVENT_TYPE_NEW_BLOCK", "new_block", "NEW_BLOCK"}) {
    EXPECT_EQ(command<SubscribersCommand>({"subscribers", spelling}).type, v1::EVENT_TYPE_NEW_BLOCK)
        << spelling;
  }
  EXPECT_EQ(command<SubscribersCommand>({"subscribers", "ModuleLoaded"}).type,
            v1::EVENT_TYPE_MODULE_LOADED);
}

TEST(CtlArgs, SubscribersUsageErrors) {
  EXPECT_THAT(usageError({"subscribers"}), HasSubstr("missing EVENT_TYPE"));
  const std::string message = usageError({"subscribers", "NewBlok"});
  EXPECT_THAT(message, HasSubstr("unknown event type 'NewBlok'"));
  EXPECT_THAT(message, HasSubstr("NewBlock"));  // the valid names are listed
  EXPECT_THAT(message, HasSubstr("ResourceLimitWarning"));
  EXPECT_THAT(usageError({"subscribers", "Unspecified"}), HasSubstr("unknown event type"));
}

TEST(CtlArgs, PublishBuildsTheEvent) {
  auto publish = command<PublishCommand>(
      {"publish", "NewBlock", "--payload", R"({"hash":"00ab","height":5})", "--count", "3"});
  EXPECT_EQ(publish.count, 3u);
  EXPECT_EQ(publish.event.type(), v1::EVENT_TYPE_NEW_BLOCK);
  ASSERT_EQ(publish.event.payload_case(), v1::Event::kNewBlock);
  EXPECT_EQ(publish.event.new_block().hash(), "00ab");
  EXPECT_EQ(publish.event.new_block().height(), 5u);
}

TEST(CtlArgs, PublishDefaultsToAnEmptyPayloadOnce) {
  auto publish = command<PublishCommand>({"publish", "peer_connected"});
  EXPECT_EQ(publish.count, 1u);
  EXPECT_EQ(publish.event.payload_case(), v1::Event::kPeerConnected);
}

TEST(CtlArgs, PublishDoesNotFilterHostOnlyTypes) {
  // The node refuses them with an error reply; the client leaves that decision to it.
  auto publish = command<PublishCommand>({"publish", "NodeShutdown"});
  EXPECT_EQ(publish.event.type(), v1::EVENT_TYPE_NODE_SHUTDOWN);
  EXPECT_EQ(publish.event.payload_case(), v1::Event::kNodeShutdown);
}

TEST(CtlArgs, PublishUsageErrors) {
  EXPECT_THAT(usageError({"publish"}), HasSubstr("missing EVENT_TYPE"));
  EXPECT_THAT(usageError({"publish", "Nope"}), HasSubstr("unknown event type 'Nope'"));
  EXPECT_THAT(usageError({"publish", "NewBlock", "--payload", "{\"hash\":"}),
              HasSubstr("invalid JSON payload for NewBlock"));
  EXPECT_THAT(usageError({"publish", "NewBlock", "--payload", R"({"nope":1})"}),
              HasSubstr("invalid JSON payload"));
  EXPECT_THAT(usageError({"publish", "NewBlock", "--count", "0"}), HasSubstr("--count"));
  EXPECT_THAT(usageError({"publish", "NewBlock", "--count", "4294967296"}), HasSubstr("--count"));
  EXPECT_THAT(usageError({"publish", "NewBlock", "--payload"}),
              HasSubstr("--payload needs a value"));
}

TEST(CtlArgs, LoadByNameSendsOnlyTheName) {
  auto load = command<LoadCommand>({"load", "logger"});
  v1::ModuleConfig expected;
  expected.set_name("logger");
  EXPECT_EQ(load.module.SerializeAsString(), expected.SerializeAsString());
}

TEST(CtlArgs, LoadWithExecFillsTheModuleConfig) {
  auto load = command<LoadCommand>({"load",        "probe",
                                    "--exec",      "/usr/bin/probe",
                                    "--arg",       "-v",
                                    "--arg",       "--fast",
                                    "--capacity",  "7",
                                    "--policy",    "block",
                                    "--restart",   "on_failure",
                                    "--setting",   "rate=5",
                                    "--setting",   "url=http://x/?a=b",
                                    "--subscribe", "NewBlock",
                                    "--subscribe", "peer_banned",
                                    "--publish",   "NewTransaction"});
  const auto& m = load.module;
  EXPECT_EQ(m.name(), "probe");
  EXPECT_EQ(m.exec(), "/usr/bin/probe");
  ASSERT_EQ(m.args_size(), 2);
  EXPECT_EQ(m.args(0), "-v");
  EXPECT_EQ(m.args(1), "--fast");
  EXPECT_EQ(m.channel_capacity(), 7u);
  EXPECT_EQ(m.policy(), v1::DELIVERY_POLICY_BLOCK);
  EXPECT_EQ(m.restart(), v1::RESTART_POLICY_ON_FAILURE);
  ASSERT_EQ(m.settings_size(), 2);
  EXPECT_EQ(m.settings().at("rate"), "5");
  EXPECT_EQ(m.settings().at("url"), "http://x/?a=b");  // split at the first '=' only
  ASSERT_EQ(m.capabilities().subscribe_size(), 2);
  EXPECT_EQ(m.capabilities().subscribe(0), v1::EVENT_TYPE_NEW_BLOCK);
  EXPECT_EQ(m.capabilities().subscribe(1), v1::EVENT_TYPE_PEER_BANNED);
  ASSERT_EQ(m.capabilities().publish_size(), 1);
  EXPECT_EQ(m.capabilities().publish(0), v1::EVENT_TYPE_NEW_TRANSACTION);
}

TEST(CtlArgs, PolicyAndRestartNames) {
  auto policyOf = [](const char* name) {
    return command<LoadCommand>({"load", "m", "--exec", "x", "--policy", name}).module.policy();
  };
  EXPECT_EQ(policyOf("drop"), v1::DELIVERY_POLICY_DROP);
  EXPECT_EQ(policyOf("block"), v1::DELIVERY_POLICY_BLOCK);
  EXPECT_EQ(policyOf("DELIVERY_POLICY_BLOCK"), v1::DELIVERY_POLICY_BLOCK);
  auto restartOf = [](const char* name) {
    return command<LoadCommand>({"load", "m", "--exec", "x", "--restart", name}).module.restart();
  };
  EXPECT_EQ(restartOf("never"), v1::RESTART_POLICY_NEVER);
  EXPECT_EQ(restartOf("on_failure"), v1::RESTART_POLICY_ON_FAILURE);
  EXPECT_EQ(restartOf("on-failure"), v1::RESTART_POLICY_ON_FAILURE);
  EXPECT_EQ(restartOf("always"), v1::RESTART_POLICY_ALWAYS);
  EXPECT_THAT(usageError({"load", "m", "--exec", "x", "--policy", "sometimes"}),
              HasSubstr("--policy must be drop|block, not 'sometimes'"));
  EXPECT_THAT(usageError({"load", "m", "--exec", "x", "--restart", "unspecified"}),
              HasSubstr("--restart must be never|on_failure|always"));
}

TEST(CtlArgs, LoadUsageErrors) {
  EXPECT_THAT(usageError({"load"}), HasSubstr("missing NAME"));
  EXPECT_THAT(usageError({"load", ""}), HasSubstr("NAME must not be empty"));
  EXPECT_THAT(usageError({"load", "m", "--capacity", "5"}), HasSubstr("--capacity needs --exec"));
  EXPECT_THAT(usageError({"load", "m", "--exec", "x", "--setting", "novalue"}),
              HasSubstr("--setting needs KEY=VALUE, not 'novalue'"));
  EXPECT_THAT(usageError({"load", "m", "--exec", "x", "--setting", "=v"}), HasSubstr("KEY=VALUE"));
  EXPECT_THAT(usageError({"load", "m", "--exec", "x", "--setting", "k=1", "--setting", "k=2"}),
              HasSubstr("--setting k given twice"));
  EXPECT_THAT(usageError({"load", "m", "--exec", "x", "--subscribe", "Bogus"}),
              HasSubstr("unknown event type 'Bogus'"));
  EXPECT_THAT(usageError({"load", "m", "--exec", "x", "--capacity", "lots"}),
              HasSubstr("--capacity"));
}

TEST(CtlArgs, LoadDurableMakesADurableModuleAndNeedsExec) {
  EXPECT_TRUE(command<LoadCommand>({"load", "m", "--exec", "x", "--durable"}).module.durable());
  EXPECT_FALSE(command<LoadCommand>({"load", "m", "--exec", "x"}).module.durable());
  EXPECT_THAT(usageError({"load", "m", "--durable"}), HasSubstr("--durable needs --exec"));
}

TEST(CtlArgs, LoadKeepsAnEmptySettingValue) {
  auto load = command<LoadCommand>({"load", "m", "--exec", "x", "--setting", "flag="});
  EXPECT_EQ(load.module.settings().at("flag"), "");
}

TEST(CtlArgs, UnloadAndReload) {
  EXPECT_EQ(command<UnloadCommand>({"unload", "logger"}).moduleId, "logger");
  EXPECT_EQ(command<ReloadCommand>({"reload", "logger"}).moduleId, "logger");
  EXPECT_THAT(usageError({"unload"}), HasSubstr("missing MODULE"));
  EXPECT_THAT(usageError({"reload"}), HasSubstr("missing MODULE"));
  EXPECT_THAT(usageError({"reload", "a", "b"}), HasSubstr("unexpected argument 'b'"));
}

TEST(CtlArgs, Forget) {
  EXPECT_EQ(command<ForgetCommand>({"forget", "old"}).moduleId, "old");
  EXPECT_THAT(usageError({"forget"}), HasSubstr("missing MODULE"));
  EXPECT_THAT(usageError({"forget", "a", "b"}), HasSubstr("unexpected argument 'b'"));
}

TEST(CtlArgs, Maintenance) {
  auto flush = command<MaintenanceCommand>({"maintenance", "flush"});
  EXPECT_EQ(flush.operation, v1::MAINTENANCE_OPERATION_FLUSH);
  EXPECT_EQ(flush.urgency, v1::URGENCY_LOW);
  EXPECT_EQ(flush.reason, "");
  EXPECT_EQ(flush.timeoutMs, 0u);
  auto cleanup =
      command<MaintenanceCommand>({"maintenance", "cleanup", "--urgency", "high", "--reason",
                                   "disk almost full", "--timeout-ms", "1500"});
  EXPECT_EQ(cleanup.operation, v1::MAINTENANCE_OPERATION_CLEANUP);
  EXPECT_EQ(cleanup.urgency, v1::URGENCY_HIGH);
  EXPECT_EQ(cleanup.reason, "disk almost full");
  EXPECT_EQ(cleanup.timeoutMs, 1500u);
  EXPECT_THAT(usageError({"maintenance"}), HasSubstr("missing OPERATION"));
  EXPECT_THAT(usageError({"maintenance", "defrag"}), HasSubstr("flush|cleanup"));
  EXPECT_THAT(usageError({"maintenance", "flush", "--urgency", "urgent"}),
              HasSubstr("--urgency must be low|medium|high"));
}

TEST(CtlArgs, Tail) {
  auto all = command<TailCommand>({"tail"});
  EXPECT_TRUE(all.types.empty());
  EXPECT_FALSE(all.count.has_value());
  auto some = command<TailCommand>(
      {"tail", "--type", "NewBlock", "--type=PeerBanned", "--type", "new_block", "--count", "10"});
  EXPECT_EQ(some.types,
            (std::vector<v1::EventType>{v1::EVENT_TYPE_NEW_BLOCK, v1::EVENT_TYPE_PEER_BANNED}));
  EXPECT_EQ(some.count, 10u);
  EXPECT_THAT(usageError({"tail", "--type", "Nope"}), HasSubstr("unknown event type 'Nope'"));
  EXPECT_THAT(usageError({"tail", "--count", "0"}), HasSubstr("--count"));
  EXPECT_THAT(usageError({"tail", "NewBlock"}), HasSubstr("unexpected argument 'NewBlock'"));
}

TEST(CtlArgs, OptionValuesMayStartWithADash) {
  auto maintenance =
      command<MaintenanceCommand>({"maintenance", "flush", "--reason", "--not-an-option"});
  EXPECT_EQ(maintenance.reason, "--not-an-option");
}

TEST(CtlArgs, DoubleDashEndsTheOptions) {
  EXPECT_EQ(command<UnloadCommand>({"unload", "--", "-odd"}).moduleId, "-odd");
}

TEST(CtlArgs, CommandOptionsDoNotLeakToOtherCommands) {
  EXPECT_THAT(usageError({"status", "--reset"}), HasSubstr("unknown option '--reset'"));
  EXPECT_THAT(usageError({"unload", "m", "--count", "1"}), HasSubstr("unknown option '--count'"));
}

TEST(CtlArgs, ValuesThatAreNotUtf8AreRefusedBeforeAnythingIsSent) {
  // Every value but --runtime-dir goes into a protobuf string field, which must be UTF-8.
  EXPECT_THAT(usageError({"load", "odd", "--exec", "/tmp/\xff"}),
              HasSubstr("load: --exec '/tmp/\\xff' is not valid UTF-8"));
  EXPECT_THAT(usageError({"load", "odd", "--exec", "/x", "--setting", "k=\xc0\xaf"}),
              HasSubstr("--setting 'k=\\xc0\\xaf' is not valid UTF-8"));
  EXPECT_THAT(usageError({"stats", "\xed\xa0\x80"}), HasSubstr("is not valid UTF-8"));
  // A runtime dir is a local path: any bytes Linux allows.
  auto inv = invocation({"--runtime-dir", "/tmp/\xff", "status"});
  EXPECT_EQ(inv.globals.runtimeDir, "/tmp/\xff");
  EXPECT_EQ(command<LoadCommand>({"load", "cafe", "--exec", "/opt/caf\xc3\xa9"}).module.exec(),
            "/opt/caf\xc3\xa9");
}

}  // namespace
}  // namespace plexus::ctl
