// ControlClient against a real control socket served by the test: a reply that does not parse
// (garbage, or a string field that is not UTF-8) is reported as such, and plexusctl exits 1
// ("the node answered"), never 3 ("not reachable") after waiting out its timeout.

#include "plexus/ctl/control_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <sstream>
#include <thread>

#include "plexus/ctl/args.h"
#include "plexus/ctl/connection.h"
#include "plexus/ctl/run.h"
#include "plexus/ipc/endpoints.h"
#include "plexus/ipc/sockets.h"

namespace plexus::ctl {
namespace {

using ::testing::HasSubstr;

// A control socket that answers every request with `reply` (raw bytes), once.
class RawReplyServer {
 public:
  RawReplyServer(const std::filesystem::path& dir, std::string reply)
      : m_router(m_context, zmq::socket_type::router), m_reply(std::move(reply)) {
    // No ZAP domain (the node's router enforces one, served by its ZAP handler).
    ipc::bindPrivate(m_router, ipc::controlSocketPath(dir).string());
    m_thread = std::thread([this] { serve(); });
  }
  ~RawReplyServer() { m_thread.join(); }

 private:
  void serve() {
    zmq::pollitem_t item{m_router.handle(), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, std::chrono::seconds(10)) == 0) return;
    zmq::message_t id, body;
    if (!m_router.recv(id) || !m_router.recv(body)) return;
    (void)m_router.send(id, zmq::send_flags::sndmore);
    (void)m_router.send(zmq::buffer(m_reply));
  }

  zmq::context_t m_context{1};
  zmq::socket_t m_router;
  std::string m_reply;
  std::thread m_thread;
};

class ControlClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_dir = std::filesystem::temp_directory_path() /
            ("plexusctl-client-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(m_dir);
  }
  void TearDown() override { std::filesystem::remove_all(m_dir); }
  std::filesystem::path m_dir;
};

TEST_F(ControlClientTest, AReplyThatDoesNotParseIsReportedAtOnce) {
  // A ControlResponse whose error message (field 3 of Error, inside field 2) is not UTF-8.
  v1::ControlResponse response;
  response.set_correlation_id(1);
  response.mutable_error()->set_message("runtime dir /run/\xff");
  RawReplyServer server(m_dir, response.SerializeAsString());
  ControlClient client(m_dir);
  const auto started = std::chrono::steady_clock::now();
  auto answer = client.call(v1::ControlRequest(), std::chrono::seconds(20));
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.error().code, v1::ERROR_CODE_MALFORMED);
  EXPECT_THAT(answer.error().message, HasSubstr("a reply that cannot be parsed"));
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
}

TEST_F(ControlClientTest, PlexusctlExitsOneForAnUnparsableReply) {
  RawReplyServer server(m_dir, std::string("\xff\xff\xff\xff", 4));
  ControlClient client(m_dir);
  ClientConnection connection(client);
  std::vector<std::string> args = {"--runtime-dir", m_dir.string(), "status"};
  auto parsed = parseArgs(args);
  ASSERT_TRUE(parsed.ok());
  std::ostringstream out, err;
  const std::atomic<bool> stop{false};
  auto code = run(std::get<Invocation>(*parsed), connection, stop, out, err);
  EXPECT_EQ(code, ExitCode::ErrorReply);
  EXPECT_THAT(err.str(), HasSubstr("cannot be parsed"));
  EXPECT_THAT(err.str(), ::testing::Not(HasSubstr("did not answer")));
}

}  // namespace
}  // namespace plexus::ctl
