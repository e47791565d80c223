// StreamSink on a real pipe nobody reads: logging never blocks, lines that do not fit are dropped
// and counted, and once the reader drains the pipe the next line is preceded by the count.
// Colours only when asked; a stream that is gone drops everything, counted.

#include "runtime/stream_sink.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <unistd.h>

#include <string>

namespace plexus::host {
namespace {

class StreamSinkTest : public ::testing::Test {
 protected:
  StreamSinkTest() {
    EXPECT_EQ(::pipe2(m_fds, O_CLOEXEC), 0);
    ::fcntl(m_fds[0], F_SETPIPE_SZ, 16384);  // four pages: fills after ~150 lines
    ::fcntl(m_fds[0], F_SETFL, O_NONBLOCK);  // the test's reads never block
  }
  ~StreamSinkTest() override {
    ::close(m_fds[0]);
    if (m_fds[1] >= 0) ::close(m_fds[1]);
  }
  int writeEnd() const { return m_fds[1]; }
  void closeReadEnd() {
    ::close(m_fds[0]);
    m_fds[0] = ::open("/dev/null", O_RDONLY | O_CLOEXEC);  // keeps the destructor simple
  }
  std::string drain() {
    std::string out;
    char buffer[4096];
    for (ssize_t n; (n = ::read(m_fds[0], buffer, sizeof buffer)) > 0;)
      out.append(buffer, static_cast<std::size_t>(n));
    return out;
  }

 private:
  int m_fds[2] = {-1, -1};
};

TEST_F(StreamSinkTest, ABlockedPipeDropsAndCountsLinesThenReportsThemOnceDrained) {
  auto sink = std::make_shared<StreamSink>(writeEnd(), /*colors=*/false, /*maxPending=*/1024);
  sink->set_pattern("[%n] %v");
  spdlog::logger log("test", sink);
  const std::string payload(100, 'x');
  for (int i = 0; i < 400; ++i)
    log.info("line {} {}", i, payload);  // would block forever with a plain write
  EXPECT_GT(sink->droppedLines(), 200u);
  EXPECT_LE(sink->pendingBytes(), 1024u);
  const std::uint64_t dropped = sink->droppedLines();

  std::string out = drain();
  EXPECT_NE(out.find("[test] line 0 "), std::string::npos);
  log.info("after");  // writes what was pending, then the count, then this line
  out += drain();
  const auto report = out.find("[log] " + std::to_string(dropped) + " log line(s) dropped");
  ASSERT_NE(report, std::string::npos) << out;
  EXPECT_EQ(out.find("[test] after"), out.size() - std::string("[test] after\n").size());
  EXPECT_LT(report, out.find("[test] after"));
  // Only whole lines: every line is one that was logged, or the report.
  std::size_t lines = 0;
  for (std::size_t at = 0; at < out.size(); at = out.find('\n', at) + 1, ++lines) {
    EXPECT_EQ(out[at], '[') << out.substr(at, 40);
  }
  EXPECT_EQ(lines + dropped, 400u + 2u) << "each line written once or counted once";
  EXPECT_EQ(sink->pendingBytes(), 0u);
}

TEST_F(StreamSinkTest, ColoursTheLevelOnlyWhenAsked) {
  auto plain = std::make_shared<StreamSink>(writeEnd(), false);
  auto coloured = std::make_shared<StreamSink>(writeEnd(), true);
  for (auto& sink : {plain, coloured})
    sink->set_pattern("%^%l%$ %v");
  spdlog::logger("a", plain).warn("one");
  EXPECT_EQ(drain(), "warning one\n");
  spdlog::logger("b", coloured).warn("two");
  EXPECT_EQ(drain(), "\033[33m\033[1mwarning\033[m two\n");
}

TEST_F(StreamSinkTest, AStreamThatIsGoneDropsEverythingCounted) {
  auto sink = std::make_shared<StreamSink>(writeEnd(), false);
  closeReadEnd();  // writes now fail with EPIPE (SIGPIPE ignored below)
  auto previous = ::signal(SIGPIPE, SIG_IGN);
  spdlog::logger log("test", sink);
  log.info("one");
  log.info("two");
  ::signal(SIGPIPE, previous);
  EXPECT_EQ(sink->droppedLines(), 2u);
  EXPECT_EQ(sink->pendingBytes(), 0u);
}

TEST(StreamSinkFullDiskTest, AFullDeviceDropsLinesCountedAndKeepsTrying) {
  const int full = ::open("/dev/full", O_WRONLY | O_CLOEXEC);  // every write: ENOSPC
  ASSERT_GE(full, 0);
  auto sink = std::make_shared<StreamSink>(full, false);
  spdlog::logger log("test", sink);
  log.info("one");
  EXPECT_EQ(sink->droppedLines(), 1u);
  log.info("two");  // tried again (with the count first), not given up
  EXPECT_GE(sink->droppedLines(), 2u);
  EXPECT_EQ(sink->pendingBytes(), 0u);
  ::close(full);
}

}  // namespace
}  // namespace plexus::host
