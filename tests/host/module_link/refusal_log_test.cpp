// RefusalLog: refused ZAP verdicts and pre-ZAP handshake failures become warnings with who and
// why; accepted verdicts are silent; repeats of one kind (numbers aside) from one claimed id are
// rate-limited, a new kind or id is shown at once.

#include "module_link/refusal_log.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <sstream>

namespace plexus::host {
namespace {

class RefusalLogTest : public ::testing::Test {
 protected:
  RefusalLogTest() { sinkLogger->set_pattern("%l|%v"); }

  std::vector<std::string> lines() const {
    std::vector<std::string> out;
    std::istringstream in(output.str());
    for (std::string line; std::getline(in, line);)
      out.push_back(line);
    return out;
  }
  static ipc::ZapRequest plain(const std::string& username, const std::string& address) {
    ipc::ZapRequest request;
    request.mechanism = "PLAIN";
    request.username = username;
    request.address = address;
    return request;
  }
  static ipc::ZapVerdict refused(const std::string& reason) {
    ipc::ZapVerdict verdict;
    verdict.reason = reason;
    return verdict;
  }

  std::ostringstream output;
  std::shared_ptr<spdlog::logger> sinkLogger = std::make_shared<spdlog::logger>(
      "refusal-test", std::make_shared<spdlog::sinks::ostream_sink_st>(output));
  RefusalLog log{sinkLogger, std::chrono::hours(1)};
};

TEST_F(RefusalLogTest, ARefusedVerdictSaysWhoAndWhy) {
  log.zapVerdict(plain("alpha", "@:1000:1000:4242"), refused("pid 4242 is not the child"));
  EXPECT_EQ(lines(), (std::vector<std::string>{
                         "warning|refused a connection (PLAIN 'alpha' from @:1000:1000:4242): "
                         "pid 4242 is not the child"}));
}

TEST_F(RefusalLogTest, AcceptedVerdictsAreNotLogged) {
  ipc::ZapVerdict accepted;
  accepted.accepted = true;
  accepted.reason = "OK";
  log.zapVerdict(plain("alpha", "x"), accepted);
  EXPECT_TRUE(output.str().empty());
}

TEST_F(RefusalLogTest, RepeatsOfOneKindAreRateLimitedNewKindsAndIdsAreNot) {
  log.zapVerdict(plain("alpha", "a"), refused("pid 1 is not the child"));
  log.zapVerdict(plain("alpha", "a"), refused("pid 2 is not the child"));  // same kind
  EXPECT_EQ(lines().size(), 1u);
  log.zapVerdict(plain("alpha", "a"), refused("wrong token"));
  log.zapVerdict(plain("beta", "a"), refused("pid 3 is not the child"));
  EXPECT_EQ(lines().size(), 3u);
}

TEST_F(RefusalLogTest, UnknownCurveKeysShareOneRateLimitAndNameTheKey) {
  for (const char* key : {"key-one", "key-two", "key-three"}) {
    ipc::ZapRequest request;
    request.mechanism = "CURVE";
    request.username = key;
    request.address = "10.0.0.9";
    log.zapVerdict(request, refused("the public key is no remote module's key"));
  }
  EXPECT_EQ(lines(), (std::vector<std::string>{
                         "warning|refused a connection (CURVE key key-one from 10.0.0.9): the "
                         "public key is no remote module's key"}));
}

TEST_F(RefusalLogTest, AHandshakeFailureBeforeZapIsLoggedWithItsMeaning) {
  ipc::MonitorEvent event;
  event.event = ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL;
  event.value = ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH;
  log.handshakeFailed(event);
  log.handshakeFailed(event);
  ASSERT_EQ(lines().size(), 1u);
  EXPECT_EQ(lines()[0],
            "warning|refused a connection on the module socket before "
            "authentication: " +
                ipc::describeHandshakeFailure(event));
}

}  // namespace
}  // namespace plexus::host
