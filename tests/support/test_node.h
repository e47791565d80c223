#pragma once

// TestNode: the real plexus-node, started as a separate process for an integration test, with
// its own runtime dir and config, its log in a file. Everything waits on conditions with a
// deadline (waitFor), never on sleeps.

#include <fcntl.h>
#include <plexus/v1/control.pb.h>
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "plexus/ctl/control_client.h"
#include "temp_dir.h"

namespace plexus::test {

// Paths of the binaries under test (the build's bin directory).
std::filesystem::path binDir();
std::filesystem::path nodeBinary();
std::filesystem::path probeBinary();
std::filesystem::path ctlBinary();

// Polls `condition` until it holds or `timeout` passes; returns whether it held.
bool waitFor(const std::function<bool()>& condition,
             std::chrono::milliseconds timeout = std::chrono::seconds(20),
             std::chrono::milliseconds interval = std::chrono::milliseconds(10));

std::string readFile(const std::filesystem::path& path);
std::vector<std::string> readLines(const std::filesystem::path& path);

// A module stanza for the node's config, in protobuf text format.
struct ModuleSpec {
  explicit ModuleSpec(std::string name, std::string exec = {}, std::vector<std::string> args = {})
      : name(std::move(name)), exec(std::move(exec)), args(std::move(args)) {}
  std::string name;
  std::string exec;  // default: the probe
  std::vector<std::string> args;
  std::uint32_t capacity = 0;
  std::string policy;  // "DELIVERY_POLICY_BLOCK" ...
  std::string restart = "RESTART_POLICY_NEVER";
  std::vector<std::pair<std::string, std::string>> settings;
  std::string extra;  // appended inside the module { } block
  std::string text() const;
};

class TestNode {
 public:
  // `configBody` is appended to a generated config holding fast test timings.
  explicit TestNode(const std::string& configBody, const std::string& timings = {});
  ~TestNode();  // SIGKILL if still running
  TestNode(const TestNode&) = delete;
  TestNode& operator=(const TestNode&) = delete;

  // Starts plexus-node (again after stop(): same config, runtime dir and journal) and waits
  // until its control socket answers `status`. Its stdout and
  // stderr go to node.log, or to `outputFd` when given (then log() is empty).
  void start(int outputFd = -1);
  // SIGINT (or `signal`), then waits for the exit; returns the wait status (or nullopt on
  // timeout, after which the node is SIGKILLed).
  std::optional<int> stop(int signal = 2,
                          std::chrono::milliseconds timeout = std::chrono::seconds(20));
  bool running();  // reaps the node if it exited
  pid_t pid() const { return m_pid; }

  const std::filesystem::path& runtimeDir() const { return m_dir.path(); }
  std::filesystem::path file(const std::string& name) const { return m_dir / name; }
  // Where its journal lives (journal.path), unless the test configured one.
  std::filesystem::path journalDir() const { return m_dir / "journal"; }
  std::string log() const;

  v1::ControlResponse call(v1::ControlRequest request,
                           std::chrono::milliseconds timeout = std::chrono::seconds(30));
  std::vector<v1::ModuleInfo> modules();
  std::optional<v1::ModuleInfo> module(const std::string& id);
  std::optional<v1::DeliveryStats> stats(const std::string& id);
  std::vector<v1::DeliveryStats> allStats();
  // The node's journal and durable cursors, asked directly (no plexusctl process per poll).
  v1::JournalResponse journal();
  v1::CursorsResponse cursors();
  v1::ControlResponse publish(const v1::Event& event, std::uint32_t count = 1);
  bool waitForState(const std::string& id, v1::ModuleState state,
                    std::chrono::milliseconds timeout = std::chrono::seconds(20));
  bool waitAllReady(std::chrono::milliseconds timeout = std::chrono::seconds(20));

 private:
  TempDir m_dir;
  pid_t m_pid = -1;
  std::optional<int> m_exitStatus;
  std::optional<ctl::ControlClient> m_client;
};

// Every module of the node behind `client` is READY (handshake done, subscriptions in force), and
// it has at least one, within `timeout`.
bool waitAllReady(ctl::ControlClient& client,
                  std::chrono::milliseconds timeout = std::chrono::seconds(20));

// The real plexusctl against `node`: its exit code and output (stdout, and stderr when
// `withStderr`).
struct CtlRun {
  int exitCode = -1;
  std::string out;
};
CtlRun runCtl(const TestNode& node, const std::string& args, bool withStderr = false);
// A shell command (sh -c): its exit code and standard output.
CtlRun runCommand(const std::string& command);

// Both statistics invariants for one module (docs/design.md, Delivery), as gtest assertions:
// routed = successful + channel_full + failed, successful = acked + queued + in_flight + lost;
// in total and per lane (DeliveryStats.lanes), the totals being the lanes' sums.
void expectInvariants(const v1::DeliveryStats& stats);
// Waits until no module has events queued, in flight or blocked, then checks both invariants
// for every module (expectInvariants). False if it did not drain within `timeout`.
bool drainAndCheckInvariants(TestNode& node,
                             std::chrono::milliseconds timeout = std::chrono::seconds(30));

v1::Event newBlock(std::uint64_t height);
v1::Event peerConnected(const std::string& peer);

// How many lines of `text` contain `needle`.
std::size_t countLines(const std::string& text, const std::string& needle);

// False once the process is gone or a zombie.
bool processAlive(pid_t pid);
// Every line of a probe report starting with `prefix`.
std::vector<std::string> reportLines(const std::filesystem::path& report,
                                     const std::string& prefix);
bool reportHas(const std::filesystem::path& report, const std::string& needle);

// Report lines of the probe: "event E <seq> <dropped_before> <Type> <source> <detail>".
struct ProbeEvent {
  char lane = 'E';
  std::uint64_t seq = 0;
  std::uint64_t droppedBefore = 0;
  std::string type;
  std::string source;
  std::string detail;
};
std::vector<ProbeEvent> probeEvents(const std::filesystem::path& report, char lane = 'E');

}  // namespace plexus::test
