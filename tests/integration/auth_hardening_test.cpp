// Authentication under attack, with the real node: rogue clients in this test process (no
// credentials, a live module's id with a made-up token), a stolen token (before and after its
// module used it), and garbage and 8 MB of junk written straight to modules.sock below ZeroMQ.
// Each attempt is refused, and throughout, two block-policy probes receive the operator's steady
// stream whole and in order: the node keeps serving everyone.
// A spawned module claiming another live module's id: AuthTest.AnotherModulesIdCannotBeClaimed.

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>

#include "hostile_report.h"
#include "plexus/ipc/endpoints.h"
#include "plexus/ipc/envelope_codec.h"
#include "plexus/ipc/socket_monitor.h"
#include "plexus/ipc/sockets.h"
#include "plexus/ipc/token.h"
#include "steady_stream.h"
#include "test_node.h"

namespace plexus::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using ::testing::HasSubstr;

// What a ZeroMQ client outside the node's spawn saw when it tried modules.sock.
struct Attempt {
  bool accepted = false;
  std::vector<ipc::MonitorEvent> events;
  bool sent = false;  // whether ZeroMQ took a message for the node at all
  bool failed(std::uint16_t event, std::optional<std::uint32_t> value = std::nullopt) const {
    for (const auto& e : events) {
      if (e.event == event && (!value || e.value == *value)) return true;
    }
    return false;
  }
};

// A DEALER in this process connects to the node's module socket: PLAIN with `moduleId` and
// `token`, or the NULL mechanism when `token` is empty. Waits for the ZeroMQ handshake's
// outcome (or `timeout`), then tries to send a Handshake.
Attempt rogueConnect(const TestNode& node, const std::string& moduleId, const std::string& token,
                     std::chrono::milliseconds timeout = 3s) {
  zmq::context_t context;
  zmq::socket_t dealer(context, zmq::socket_type::dealer);
  if (token.empty()) {
    dealer.set(zmq::sockopt::routing_id, moduleId);
    dealer.set(zmq::sockopt::immediate, 1);
  } else {
    ipc::configureModuleDealer(dealer, moduleId, token);
  }
  dealer.set(zmq::sockopt::linger, 0);
  Attempt attempt;
  {
    ipc::SocketMonitor monitor(context, dealer, ZMQ_EVENT_ALL);
    dealer.connect(ipc::ipcEndpoint(ipc::moduleSocketPath(node.runtimeDir())));
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      auto event = monitor.next(50ms);
      if (!event) continue;
      attempt.events.push_back(*event);
      if (event->event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) attempt.accepted = true;
      if (event->event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED ||
          event->event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH ||
          event->event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL ||
          event->event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) {
        break;
      }
    }
    v1::Envelope hello;
    ipc::stampVersion(hello);
    hello.mutable_handshake()->set_module_id(moduleId);
    attempt.sent = dealer.send(ipc::encodeEnvelope(hello), zmq::send_flags::dontwait).has_value();
  }
  dealer.close();
  return attempt;
}

std::string describe(const Attempt& attempt) {
  std::string out;
  for (const auto& e : attempt.events) {
    out += std::string(ipc::monitorEventName(e.event)) + "(" + std::to_string(e.value) + ") ";
  }
  return out;
}

// A raw AF_UNIX connection to modules.sock, below ZeroMQ.
class RawConnection {
 public:
  explicit RawConnection(const std::filesystem::path& socketPath) {
    m_fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, socketPath.c_str(), sizeof address.sun_path - 1);
    m_connected = ::connect(m_fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
    int flags = O_NONBLOCK;
    ::fcntl(m_fd, F_SETFL, flags);
  }
  ~RawConnection() { ::close(m_fd); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return m_connected; }

  // Writes what the node takes of `bytes` within `timeout`; returns how much that was.
  std::size_t write(const std::string& bytes, std::chrono::milliseconds timeout = 5s) {
    const auto deadline = Clock::now() + timeout;
    std::size_t written = 0;
    while (written < bytes.size() && Clock::now() < deadline) {
      ssize_t n = ::send(m_fd, bytes.data() + written, bytes.size() - written, MSG_NOSIGNAL);
      if (n > 0) {
        written += static_cast<std::size_t>(n);
      } else if (errno == EAGAIN || errno == EINTR) {
        drain();  // the node's greeting, so neither side waits on a full buffer
        pollfd item{m_fd, POLLOUT, 0};
        ::poll(&item, 1, 20);
      } else {
        break;  // EPIPE / ECONNRESET: the node closed it
      }
    }
    return written;
  }

  // Whether the node closes the connection within `timeout` (reading what it sends meanwhile).
  bool closedByNode(std::chrono::milliseconds timeout = 5s) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      if (drain()) return true;
      pollfd item{m_fd, POLLIN, 0};
      ::poll(&item, 1, 20);
    }
    return drain();
  }

 private:
  // Reads what is there; true on end of file or a reset.
  bool drain() {
    char buffer[4096];
    for (;;) {
      ssize_t n = ::recv(m_fd, buffer, sizeof buffer, 0);
      if (n > 0) continue;
      if (n == 0) return true;
      return errno != EAGAIN && errno != EINTR;
    }
  }

  int m_fd = -1;
  bool m_connected = false;
};

// The 64-byte ZMTP 3.0 greeting of a client using `mechanism`.
std::string zmtpGreeting(const std::string& mechanism) {
  std::string greeting(64, '\0');
  greeting[0] = '\xff';
  greeting[9] = '\x7f';
  greeting[10] = 3;  // version 3.0
  greeting.replace(12, mechanism.size(), mechanism);
  return greeting;
}

std::string junk(std::size_t size, unsigned seed) {
  std::mt19937 random(seed);
  std::string out(size, '\0');
  for (auto& c : out)
    c = static_cast<char>(random());
  return out;
}

// Two block-policy probes receiving the operator's steady stream, plus `extra` modules.
class ServedNode {
 public:
  explicit ServedNode(const std::string& extra = {})
      : m_node(config() + extra, "  block_timeout_ms: 10000\n") {}

  TestNode& node() { return m_node; }
  const TempDir& scratch() const { return m_scratch; }

  void start() {
    m_node.start();
    ASSERT_TRUE(m_node.waitForState("probe-a", v1::MODULE_STATE_READY)) << m_node.log();
    ASSERT_TRUE(m_node.waitForState("probe-b", v1::MODULE_STATE_READY)) << m_node.log();
    m_stream.emplace(m_node);
    ASSERT_TRUE(waitFor([&] { return probeEvents(m_scratch / "probe-b.report").size() >= 20; }));
  }

  // After the attacks: the stream goes on, then every event of it reached both probes in order.
  void expectEveryoneServed() {
    ASSERT_TRUE(m_node.running()) << m_node.log();
    const auto now = probeEvents(m_scratch / "probe-a.report").size();
    ASSERT_TRUE(
        waitFor([&] { return probeEvents(m_scratch / "probe-a.report").size() >= now + 20; }));
    const std::uint64_t published = m_stream->stop();
    EXPECT_EQ(m_stream->failures(), 0u);
    expectWholeStream(m_scratch / "probe-a.report", published);
    expectWholeStream(m_scratch / "probe-b.report", published);
    for (const auto& s : m_node.allStats())
      expectInvariants(s);
  }

 private:
  std::string config() const {
    std::string out;
    for (const std::string id : {"probe-a", "probe-b"}) {
      ModuleSpec spec{id, {}, {"--report", (m_scratch / (id + ".report")).string()}};
      spec.policy = "DELIVERY_POLICY_BLOCK";
      out += spec.text();
    }
    return out;
  }

  TempDir m_scratch;
  TestNode m_node;
  std::optional<SteadyStream> m_stream;
};

TEST(AuthHardeningTest, RogueClientsWithoutAValidTokenAreRefused) {
  ServedNode served;
  ASSERT_NO_FATAL_FAILURE(served.start());
  TestNode& node = served.node();

  // No credentials at all: ZeroMQ refuses the NULL mechanism in the ZMTP greeting, before ZAP
  // is asked; the node learns of it from the module socket's monitor.
  auto anonymous = rogueConnect(node, "probe-a", "");
  EXPECT_FALSE(anonymous.accepted) << describe(anonymous);
  // Mechanism mismatch, or the node hung up before this side read its greeting (EPIPE).
  EXPECT_TRUE(anonymous.failed(ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL,
                               ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH) ||
              anonymous.failed(ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL))
      << describe(anonymous);
  EXPECT_FALSE(anonymous.sent) << "nothing may be queued for the node";
  // Logged as a mechanism mismatch, or as a broken pipe when the client hung up first.
  ASSERT_TRUE(waitFor([&] {
    return countLines(node.log(), "refused a connection on the module socket before") > 0;
  })) << node.log();
  // A live module's id with a token of the right shape.
  auto impostor = rogueConnect(node, "probe-a", ipc::generateToken());
  EXPECT_FALSE(impostor.accepted) << describe(impostor);
  EXPECT_TRUE(impostor.failed(ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, 400)) << describe(impostor);
  EXPECT_FALSE(impostor.sent);
  // An id the node never heard of.
  auto stranger = rogueConnect(node, "ghost", ipc::generateToken());
  EXPECT_FALSE(stranger.accepted) << describe(stranger);
  EXPECT_TRUE(stranger.failed(ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)) << describe(stranger);

  ASSERT_TRUE(waitFor([&] { return countLines(node.log(), "'ghost'") > 0; })) << node.log();
  const auto log = node.log();
  EXPECT_THAT(log, HasSubstr("refused a connection (PLAIN 'probe-a'"));
  EXPECT_THAT(log, HasSubstr("no unused token for module 'probe-a'"));
  EXPECT_THAT(log, HasSubstr("no unused token for module 'ghost'"));
  EXPECT_FALSE(node.stats("ghost").has_value()) << "nothing from it reached the node";
  auto probe = *node.module("probe-a");
  EXPECT_EQ(probe.state(), v1::MODULE_STATE_READY);
  EXPECT_EQ(probe.incarnation(), 1u);
  EXPECT_EQ(node.stats("probe-a")->decode_errors() + node.stats("probe-a")->rejected(), 0u);
  served.expectEveryoneServed();
}

// A stolen token (the module reports it before connecting; the test process tries it):
// before its module used it the peer pid gives the thief away, afterwards it is burnt. The
// refused attempts cost the real module nothing.
TEST(AuthHardeningTest, AStolenTokenIsRefusedBeforeAndAfterItsModuleUsedIt) {
  TempDir scratch;
  const auto report = scratch / "victim.report";
  const auto go = scratch / "go";
  ModuleSpec victim{"victim",
                    hostileBinary().string(),
                    {"--report", report.string(), "--types", "NewBlock", "--write-token",
                     "--wait-file", go.string()}};
  ServedNode served(victim.text());
  ASSERT_NO_FATAL_FAILURE(served.start());
  TestNode& node = served.node();
  ASSERT_TRUE(waitFor([&] { return reportLines(report, "token ").size() == 1; }));
  const std::string token = reportLines(report, "token ")[0].substr(6);
  ASSERT_EQ(token.size(), 64u);

  auto early = rogueConnect(node, "victim", token);
  EXPECT_FALSE(early.accepted) << describe(early);
  EXPECT_TRUE(early.failed(ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)) << describe(early);
  EXPECT_FALSE(early.sent);
  ASSERT_TRUE(waitFor([&] { return countLines(node.log(), "is not the spawned module") > 0; }))
      << node.log();
  EXPECT_THAT(node.log(), HasSubstr("peer pid " + std::to_string(::getpid()) +
                                    " is not the spawned module (pid " +
                                    std::to_string(node.module("victim")->pid()) + ")"));

  std::ofstream(go.string()) << "go\n";  // the real module connects with its token now
  ASSERT_TRUE(node.waitForState("victim", v1::MODULE_STATE_READY))
      << node.log() << readFile(report);
  const auto pid = node.module("victim")->pid();
  auto late = rogueConnect(node, "victim", token);
  EXPECT_FALSE(late.accepted) << describe(late);
  EXPECT_TRUE(late.failed(ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)) << describe(late);
  EXPECT_FALSE(late.sent);
  ASSERT_TRUE(waitFor([&] {
    return countLines(node.log(), "no unused token for module 'victim'") > 0;
  })) << node.log();

  // The victim was never disturbed: same incarnation, still served.
  const auto before = probeEvents(report).size();
  ASSERT_TRUE(waitFor([&] { return probeEvents(report).size() >= before + 10; }))
      << readFile(report);
  auto info = *node.module("victim");
  EXPECT_EQ(info.state(), v1::MODULE_STATE_READY);
  EXPECT_EQ(info.pid(), pid);
  EXPECT_EQ(info.incarnation(), 1u);
  EXPECT_EQ(node.stats("victim")->decode_errors() + node.stats("victim")->rejected(), 0u);
  served.expectEveryoneServed();
}

// Bytes straight to modules.sock, below ZeroMQ: random junk, a valid ZMTP greeting followed by
// junk, a NULL greeting, and 8 MB of junk both ways. The node closes every such connection.
TEST(AuthHardeningTest, GarbageOnTheModuleSocketIsRefusedAndTheNodeServesOn) {
  ServedNode served;
  ASSERT_NO_FATAL_FAILURE(served.start());
  TestNode& node = served.node();
  const auto socketPath = ipc::moduleSocketPath(node.runtimeDir());
  const std::size_t eightMegabytes = 8u << 20;

  struct Case {
    std::string name;
    std::string bytes;
  };
  std::vector<Case> cases = {
      {"random bytes", junk(4096, 1)},
      {"PLAIN greeting then junk", zmtpGreeting("PLAIN") + junk(4096, 2)},
      {"NULL greeting", zmtpGreeting("NULL") + junk(64, 3)},
      {"8 MB of junk", junk(eightMegabytes, 4)},
      // A ZMTP long frame header announcing 8 MB, and the 8 MB.
      {"PLAIN greeting then an 8 MB frame",
       zmtpGreeting("PLAIN") + std::string("\x02\x00\x00\x00\x00\x00\x80\x00\x00", 9) +
           junk(eightMegabytes, 5)},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    RawConnection connection(socketPath);
    ASSERT_TRUE(connection.connected());
    const auto written = connection.write(c.bytes);
    EXPECT_TRUE(connection.closedByNode()) << "after " << written << " bytes";
    ASSERT_TRUE(node.running()) << node.log();
  }
  for (const auto& s : node.allStats()) {
    EXPECT_EQ(s.decode_errors() + s.rejected(), 0u) << s.module_id();
  }
  // The ZMTP-shaped junk is named in the log (bytes that are not ZMTP at all are closed by
  // ZeroMQ without a monitor event).
  ASSERT_TRUE(waitFor([&] {
    return countLines(node.log(), "refused a connection on the module socket") > 0;
  })) << node.log();
  EXPECT_EQ(node.modules().size(), 2u);
  served.expectEveryoneServed();
}

}  // namespace
}  // namespace plexus::test
