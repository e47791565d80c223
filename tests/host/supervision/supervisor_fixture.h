#pragma once

// SupervisorFixture: a Supervisor on fakes: FakeTimers (time moves by hand), FakeSpawner (no
// processes; the test ends them), a real EventManager whose tap records the lifecycle events,
// real credentials and output pump, and a recording `send`. Timings are short and distinct, so
// a test can tell which timer acted.

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "plexus/ipc/protocol.h"
#include "runtime/fake_timers.h"
#include "supervision/exit_report.h"
#include "supervision/fake_spawner.h"
#include "supervision/recorded_events.h"
#include "supervision/supervisor.h"

namespace plexus::host {

using namespace std::chrono_literals;

// A reply of an operator command, once it came.
struct Reply {
  ModuleDirectory::ModuleCallback callback() {
    return [this](Result<v1::ModuleInfo> result) {
      ++calls;
      value.emplace(std::move(result));
    };
  }
  bool ok() const { return value && value->ok(); }
  const v1::ModuleInfo& info() const { return **value; }
  const Error& error() const { return value->error(); }
  int calls = 0;
  std::optional<Result<v1::ModuleInfo>> value;
};

class SupervisorFixture : public ::testing::Test {
 protected:
  static constexpr auto kHandshakeTimeout = 1000ms;
  static constexpr auto kHeartbeat = 200ms;  // checks every 100 ms; unhealthy after 600 ms
  static constexpr auto kDeadTimeout = 2000ms;
  static constexpr auto kStallTimeout = 900ms;
  static constexpr auto kBackoff = 100ms;  // doubling, at most 800 ms
  static constexpr auto kStableAfter = 5000ms;
  static constexpr auto kGrace = 500ms;
  static constexpr auto kKillAfter = 300ms;

  // The fixture's timings, with `extra` fields added.
  static std::string timings(const std::string& extra = "") {
    return "timings {\n"
           "  handshake_timeout_ms: 1000 heartbeat_interval_ms: 200 missed_heartbeats: 3\n"
           "  dead_timeout_ms: 2000 stall_timeout_ms: 900\n"
           "  restart_backoff_initial_ms: 100 restart_backoff_max_ms: 800\n"
           "  crash_limit: 3 crash_window_ms: 60000 stable_after_ms: 5000\n"
           "  shutdown_grace_ms: 500 kill_after_ms: 300\n" +
           extra + "}\n";
  }
  // A module block; `extra` goes inside it.
  static std::string module(const std::string& name, const std::string& extra = "") {
    return "module { name: \"" + name + "\" exec: \"/bin/true\" " + extra + " }\n";
  }

  // The supervisor of `modules` (module blocks), not started yet.
  void create(const std::string& modules, const std::string& extraTimings = "") {
    auto config = parseConfig(timings(extraTimings) + modules, "test.cfg");
    ASSERT_TRUE(config.ok()) << config.error().message;
    supervisor = std::make_unique<Supervisor>(
        Supervisor::Dependencies{timers, events.manager(), spawner, credentials, output,
                                 [this](const std::string& id, const v1::Envelope& envelope) {
                                   sent.emplace_back(id, envelope);
                                 }},
        withDefaults(*config), "ipc:///tmp/plexus-test/modules", "/");
  }
  // create() + startConfigured().
  void start(const std::string& modules, const std::string& extraTimings = "") {
    create(modules, extraTimings);
    supervisor->startConfigured();
  }

  // What the module server does for a module that completes its handshake and subscribes.
  void connect(const std::string& id) {
    v1::Handshake handshake;
    handshake.set_module_id(id);
    handshake.set_name(id + "-impl");
    handshake.set_version("1.0");
    auto grant = supervisor->onHandshake(id, handshake, ipc::kProtocolMinor);
    ASSERT_TRUE(grant.ok()) << grant.error().message;
    supervisor->onReady(id);
    ASSERT_EQ(state(id), v1::MODULE_STATE_READY);
  }

  // Time passes with the module talking (as its heartbeats would): it stays healthy.
  void keepAlive(const std::string& id, std::chrono::milliseconds duration) {
    for (auto passed = 0ms; passed < duration; passed += 100ms) {
      timers.advance(std::min<std::chrono::milliseconds>(100ms, duration - passed));
      supervisor->onTraffic(id);
    }
  }

  // The next spawn comes exactly `delay` from now, not a millisecond earlier.
  void expectSpawnAfter(std::chrono::milliseconds delay) {
    const auto before = spawner.requests.size();
    timers.advance(delay - 1ms);
    EXPECT_EQ(spawner.requests.size(), before) << "spawned before " << delay.count() << " ms";
    timers.advance(1ms);
    EXPECT_EQ(spawner.requests.size(), before + 1) << "no spawn after " << delay.count() << " ms";
  }

  // A stop's escalation on a process that does not exit: SIGTERM exactly kGrace from now,
  // SIGKILL exactly kKillAfter later, not a millisecond earlier. The test then ends it.
  void expectEscalationToSigkill(pid_t process) {
    timers.advance(kGrace - 1ms);
    EXPECT_TRUE(spawner.signalsTo(process).empty()) << "signalled within the grace";
    timers.advance(1ms);
    EXPECT_EQ(spawner.signalsTo(process), std::vector<int>{SIGTERM});
    timers.advance(kKillAfter - 1ms);
    EXPECT_EQ(spawner.signalsTo(process), std::vector<int>{SIGTERM});
    timers.advance(1ms);
    EXPECT_EQ(spawner.signalsTo(process), (std::vector<int>{SIGTERM, SIGKILL}));
  }

  pid_t pid(const std::string& id) const { return supervisor->pidOf(id); }
  v1::ModuleInfo info(const std::string& id) const { return supervisor->module(id).value(); }
  v1::ModuleState state(const std::string& id) const { return info(id).state(); }

  // The ModuleHealthChanged events published since the last take (the other events taken too
  // are dropped).
  std::vector<v1::ModuleHealthChanged> takeHealth() {
    std::vector<v1::ModuleHealthChanged> out;
    for (const auto& event : events.take()) {
      if (event.has_module_health_changed()) out.push_back(event.module_health_changed());
    }
    return out;
  }

  // The envelopes `send` carried to `id` since the last call.
  std::vector<v1::Envelope> takeSent(const std::string& id) {
    std::vector<v1::Envelope> out;
    std::erase_if(sent, [&](auto& entry) {
      if (entry.first != id) return false;
      out.push_back(std::move(entry.second));
      return true;
    });
    return out;
  }

  FakeTimers timers;
  FakeSpawner spawner;
  RecordedEvents events{timers,
                        {v1::EVENT_TYPE_MODULE_CRASHED, v1::EVENT_TYPE_MODULE_UNLOADED,
                         v1::EVENT_TYPE_MODULE_HEALTH_CHANGED}};
  ipc::ModuleCredentials credentials{::getuid()};
  OutputPump output;
  std::vector<std::pair<std::string, v1::Envelope>> sent;
  std::unique_ptr<Supervisor> supervisor;  // last: goes first
};

}  // namespace plexus::host
