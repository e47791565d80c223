#include "test_node.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

namespace plexus::test {

std::filesystem::path binDir() {
  return PLEXUS_TEST_BIN_DIR;
}
std::filesystem::path nodeBinary() {
  return binDir() / "plexus-node";
}
std::filesystem::path probeBinary() {
  return binDir() / "plexus-test-probe";
}
std::filesystem::path ctlBinary() {
  return binDir() / "plexusctl";
}

bool waitFor(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
             std::chrono::milliseconds interval) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(interval);  // polling interval, not synchronisation
  }
  return condition();
}

std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> readLines(const std::filesystem::path& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

std::string ModuleSpec::text() const {
  std::string out = "module {\n  name: \"" + name + "\"\n  exec: \"" +
                    (exec.empty() ? probeBinary().string() : exec) + "\"\n";
  for (const auto& arg : args)
    out += "  args: \"" + arg + "\"\n";
  if (capacity) out += "  channel_capacity: " + std::to_string(capacity) + "\n";
  if (!policy.empty()) out += "  policy: " + policy + "\n";
  if (!restart.empty()) out += "  restart: " + restart + "\n";
  for (const auto& [k, v] : settings) {
    out.append("  settings { key: \"").append(k).append("\" value: \"").append(v).append("\" }\n");
  }
  out += extra + "}\n";
  return out;
}

TestNode::TestNode(const std::string& configBody, const std::string& timings) : m_dir("pxit") {
  std::ofstream(file("node.cfg"))
      << "timings {\n  heartbeat_interval_ms: 200\n  stats_log_interval_ms: 60000\n"
      << timings << "}\n"
      << configBody;
  // A journal of its own (tests that start several nodes at once must not share one), unless
  // the test configures the journal itself.
  if (configBody.find("journal {") == std::string::npos) {
    std::ofstream(file("node.cfg"), std::ios::app)
        << "journal {\n  path: \"" << journalDir().string() << "\"\n}\n";
  }
}

TestNode::~TestNode() {
  if (running()) {
    ::kill(m_pid, SIGKILL);
    ::waitpid(m_pid, nullptr, 0);
  }
}

void TestNode::start(int outputFd) {
  const std::string config = file("node.cfg").string();
  const std::string logPath = file("node.log").string();
  const std::string dir = runtimeDir().string();
  m_exitStatus.reset();  // started again after stop(): a new process, same config and dirs
  m_pid = ::fork();
  if (m_pid == 0) {
    int fd = ::open(logPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (outputFd >= 0) fd = outputFd;
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    ::setpgid(0, 0);  // a terminal Ctrl-C of the test run does not reach it twice
    std::string node = nodeBinary().string();
    ::execl(node.c_str(), node.c_str(), "--config", config.c_str(), "--runtime-dir", dir.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ASSERT_GT(m_pid, 0);
  m_client.emplace(runtimeDir());
  const bool up = waitFor([&] {
    if (!running()) return true;
    v1::ControlRequest request;
    request.mutable_status();
    auto response = m_client->call(request, std::chrono::milliseconds(200));
    return response.ok() && response->has_status();
  });
  ASSERT_TRUE(up && running()) << "plexus-node did not come up; log:\n" << log();
}

bool TestNode::running() {
  if (m_pid <= 0 || m_exitStatus) return false;
  int status = 0;
  pid_t r = ::waitpid(m_pid, &status, WNOHANG);
  if (r == m_pid) m_exitStatus = status;
  return r == 0;
}

std::optional<int> TestNode::stop(int signal, std::chrono::milliseconds timeout) {
  if (!running()) return m_exitStatus;
  ::kill(m_pid, signal);
  const bool exited = waitFor([&] { return !running(); }, timeout);
  if (!exited) {
    ::kill(m_pid, SIGKILL);
    int status = 0;
    ::waitpid(m_pid, &status, 0);
    return std::nullopt;
  }
  return m_exitStatus;
}

std::string TestNode::log() const {
  return readFile(file("node.log"));
}

v1::ControlResponse TestNode::call(v1::ControlRequest request, std::chrono::milliseconds timeout) {
  auto response = m_client->call(std::move(request), timeout);
  EXPECT_TRUE(response.ok()) << (response.ok() ? "" : response.error().message);
  return response.ok() ? *response : v1::ControlResponse();
}

std::vector<v1::ModuleInfo> TestNode::modules() {
  v1::ControlRequest request;
  request.mutable_modules();
  auto response = call(request);
  return {response.modules().modules().begin(), response.modules().modules().end()};
}

std::optional<v1::ModuleInfo> TestNode::module(const std::string& id) {
  for (auto& info : modules()) {
    if (info.module_id() == id) return info;
  }
  return std::nullopt;
}

std::optional<v1::DeliveryStats> TestNode::stats(const std::string& id) {
  for (auto& s : allStats()) {
    if (s.module_id() == id) return s;
  }
  return std::nullopt;
}

std::vector<v1::DeliveryStats> TestNode::allStats() {
  v1::ControlRequest request;
  request.mutable_stats();
  auto response = call(request);
  return {response.stats().modules().begin(), response.stats().modules().end()};
}

v1::JournalResponse TestNode::journal() {
  v1::ControlRequest request;
  request.mutable_journal();
  v1::ControlResponse response = call(request);
  EXPECT_TRUE(response.has_journal()) << response.DebugString();
  return response.journal();
}

v1::CursorsResponse TestNode::cursors() {
  v1::ControlRequest request;
  request.mutable_cursors();
  v1::ControlResponse response = call(request);
  EXPECT_TRUE(response.has_cursors()) << response.DebugString();
  return response.cursors();
}

v1::ControlResponse TestNode::publish(const v1::Event& event, std::uint32_t count) {
  v1::ControlRequest request;
  *request.mutable_publish()->mutable_event() = event;
  request.mutable_publish()->set_count(count);
  return call(request, std::chrono::seconds(120));
}

bool TestNode::waitForState(const std::string& id, v1::ModuleState state,
                            std::chrono::milliseconds timeout) {
  return waitFor(
      [&] {
        auto info = module(id);
        return info && info->state() == state;
      },
      timeout, std::chrono::milliseconds(20));
}

bool TestNode::waitAllReady(std::chrono::milliseconds timeout) {
  return test::waitAllReady(*m_client, timeout);
}

bool waitAllReady(ctl::ControlClient& client, std::chrono::milliseconds timeout) {
  return waitFor(
      [&] {
        v1::ControlRequest request;
        request.mutable_modules();
        auto response = client.call(request, std::chrono::seconds(5));
        if (!response.ok() || response->modules().modules().empty()) return false;
        for (const auto& info : response->modules().modules()) {
          if (info.state() != v1::MODULE_STATE_READY) return false;
        }
        return true;
      },
      timeout, std::chrono::milliseconds(20));
}

CtlRun runCtl(const TestNode& node, const std::string& args, bool withStderr) {
  return runCommand(ctlBinary().string() + " --runtime-dir " + node.runtimeDir().string() + " " +
                    args + (withStderr ? " 2>&1" : " 2>/dev/null"));
}

CtlRun runCommand(const std::string& command) {
  CtlRun run;
  FILE* pipe = ::popen(command.c_str(), "r");
  std::array<char, 4096> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr)
    run.out += buffer.data();
  const int status = ::pclose(pipe);
  run.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

void expectInvariants(const v1::DeliveryStats& s) {
  SCOPED_TRACE("module " + s.module_id());
  EXPECT_EQ(s.routed(), s.successful() + s.channel_full() + s.failed());
  EXPECT_EQ(s.successful(), s.acked() + s.queued() + s.in_flight() + s.lost());
  EXPECT_LE(s.max_held(), s.capacity());
  // The same per lane, and the totals are the lanes' sums.
  std::uint64_t routed = 0, successful = 0, acked = 0, lost = 0, capacity = 0;
  for (const auto& lane : s.lanes()) {
    SCOPED_TRACE(v1::Lane_Name(lane.lane()));
    EXPECT_EQ(lane.routed(), lane.successful() + lane.channel_full() + lane.failed());
    EXPECT_EQ(lane.successful(), lane.acked() + lane.queued() + lane.in_flight() + lane.lost());
    EXPECT_LE(lane.max_held(), lane.capacity());
    routed += lane.routed();
    successful += lane.successful();
    acked += lane.acked();
    lost += lane.lost();
    capacity += lane.capacity();
  }
  if (s.lanes_size() > 0) {
    EXPECT_EQ(routed, s.routed());
    EXPECT_EQ(successful, s.successful());
    EXPECT_EQ(acked, s.acked());
    EXPECT_EQ(lost, s.lost());
    EXPECT_EQ(capacity, s.capacity());
  }
}

bool drainAndCheckInvariants(TestNode& node, std::chrono::milliseconds timeout) {
  const bool drained = waitFor(
      [&] {
        for (const auto& s : node.allStats()) {
          if (s.queued() + s.in_flight() + s.blocked() > 0) return false;
        }
        return true;
      },
      timeout);
  if (!drained) return false;
  for (const auto& s : node.allStats())
    expectInvariants(s);
  return true;
}

v1::Event newBlock(std::uint64_t height) {
  v1::Event event;
  event.set_type(v1::EVENT_TYPE_NEW_BLOCK);
  event.mutable_new_block()->set_hash("00ab");
  event.mutable_new_block()->set_height(height);
  return event;
}

v1::Event peerConnected(const std::string& peer) {
  v1::Event event;
  event.set_type(v1::EVENT_TYPE_PEER_CONNECTED);
  event.mutable_peer_connected()->set_peer_id(peer);
  return event;
}

std::size_t countLines(const std::string& text, const std::string& needle) {
  std::size_t count = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    count += line.find(needle) != std::string::npos;
  return count;
}

bool processAlive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
}

std::vector<std::string> reportLines(const std::filesystem::path& report,
                                     const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& line : readLines(report)) {
    if (line.rfind(prefix, 0) == 0) out.push_back(line);
  }
  return out;
}

bool reportHas(const std::filesystem::path& report, const std::string& needle) {
  return readFile(report).find(needle) != std::string::npos;
}

std::vector<ProbeEvent> probeEvents(const std::filesystem::path& report, char lane) {
  std::vector<ProbeEvent> out;
  for (const auto& line : readLines(report)) {
    if (line.rfind("event ", 0) != 0) continue;
    std::istringstream in(line.substr(6));
    ProbeEvent e;
    in >> e.lane >> e.seq >> e.droppedBefore >> e.type >> e.source >> e.detail;
    if (e.lane == lane) out.push_back(e);
  }
  return out;
}

}  // namespace plexus::test
