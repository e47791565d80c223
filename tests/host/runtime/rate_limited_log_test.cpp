// RateLimitedLog: one line per key per interval, the next one counting what was suppressed,
// keys independent, and the message built only when a line is written. Time is passed in.

#include "runtime/rate_limited_log.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <sstream>
#include <string>
#include <vector>

namespace plexus::host {
namespace {

using namespace std::chrono_literals;

class RateLimitedLogTest : public ::testing::Test {
 protected:
  // Plain "level|message" lines, so tests compare whole lines.
  static std::shared_ptr<spdlog::logger> makeLogger(std::ostream& out) {
    auto logger = std::make_shared<spdlog::logger>(
        "rate-limited-test", std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
    logger->set_pattern("%l|%v");
    logger->set_level(spdlog::level::trace);
    return logger;
  }

  // Every line written so far; the buffer is left as it is.
  std::vector<std::string> lines() const {
    std::vector<std::string> out;
    std::istringstream in(output.str());
    for (std::string line; std::getline(in, line);)
      out.push_back(line);
    return out;
  }

  bool warn(const std::string& key, const std::string& text, RateLimitedLog::Clock::time_point at) {
    return log.warn(
        key, [&] { return text; }, at);
  }

  std::ostringstream output;
  std::shared_ptr<spdlog::logger> sinkLogger = makeLogger(output);
  RateLimitedLog log{sinkLogger, 1000ms};
  const RateLimitedLog::Clock::time_point t0 = RateLimitedLog::Clock::time_point(1h);
};

TEST_F(RateLimitedLogTest, FirstOccurrenceLogsAtWarnLevel) {
  EXPECT_TRUE(warn("slow", "module 'a' is slow", t0));
  EXPECT_EQ(lines(), (std::vector<std::string>{"warning|module 'a' is slow"}));
}

TEST_F(RateLimitedLogTest, RepeatsWithinTheIntervalAreSuppressed) {
  EXPECT_TRUE(warn("slow", "slow", t0));
  EXPECT_FALSE(warn("slow", "slow", t0));
  EXPECT_FALSE(warn("slow", "slow", t0 + 500ms));
  EXPECT_FALSE(warn("slow", "slow", t0 + 999ms));
  EXPECT_EQ(lines().size(), 1u);
}

TEST_F(RateLimitedLogTest, AfterTheIntervalOneLineCountsTheSuppressed) {
  EXPECT_TRUE(warn("slow", "slow", t0));
  for (int i = 1; i <= 4; ++i)
    EXPECT_FALSE(warn("slow", "slow", t0 + i * 100ms));
  EXPECT_TRUE(warn("slow", "still slow", t0 + 1000ms));
  EXPECT_EQ(lines(), (std::vector<std::string>{
                         "warning|slow", "warning|still slow (4 more since the last report)"}));

  // The count starts over, and the interval runs from the last report.
  EXPECT_FALSE(warn("slow", "x", t0 + 1500ms));
  EXPECT_TRUE(warn("slow", "again", t0 + 2000ms));
  EXPECT_EQ(lines().back(), "warning|again (1 more since the last report)");

  // Nothing suppressed in between: no count appended.
  EXPECT_TRUE(warn("slow", "quiet", t0 + 10s));
  EXPECT_EQ(lines().back(), "warning|quiet");
  EXPECT_EQ(lines().size(), 4u);
}

TEST_F(RateLimitedLogTest, KeysAreIndependent) {
  EXPECT_TRUE(warn("a", "from a", t0));
  EXPECT_TRUE(warn("b", "from b", t0 + 10ms));
  EXPECT_FALSE(warn("a", "from a", t0 + 20ms));
  EXPECT_FALSE(warn("a", "from a", t0 + 30ms));
  EXPECT_FALSE(warn("b", "from b", t0 + 40ms));
  EXPECT_TRUE(warn("c", "from c", t0 + 50ms));
  EXPECT_TRUE(warn("a", "from a", t0 + 1000ms));
  EXPECT_FALSE(warn("b", "from b", t0 + 1000ms));  // b's interval runs from t0 + 10 ms
  EXPECT_TRUE(warn("b", "from b", t0 + 1010ms));
  EXPECT_EQ(lines(), (std::vector<std::string>{"warning|from a", "warning|from b", "warning|from c",
                                               "warning|from a (2 more since the last report)",
                                               "warning|from b (2 more since the last report)"}));
}

TEST_F(RateLimitedLogTest, MessageIsBuiltOnlyWhenALineIsWritten) {
  int built = 0;
  auto message = [&] {
    ++built;
    return std::string("expensive");
  };
  EXPECT_TRUE(log.warn("k", message, t0));
  EXPECT_FALSE(log.warn("k", message, t0 + 1ms));
  EXPECT_FALSE(log.warn("k", message, t0 + 2ms));
  EXPECT_EQ(built, 1);
  EXPECT_TRUE(log.warn("k", message, t0 + 2s));
  EXPECT_EQ(built, 2);
}

}  // namespace
}  // namespace plexus::host
