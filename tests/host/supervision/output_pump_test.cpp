// OutputPump: module output arrives line by line with its module id and stream name, long lines
// are cut, control bytes escaped, and a writer of megabytes is drained without stalling.
// Synchronisation: the sink collects under a mutex and tests poll it with a deadline.

#include "supervision/output_pump.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <functional>
#include <map>
#include <ostream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "plexus/ipc/thread_annotations.h"

namespace plexus::host {
namespace {

using namespace std::chrono_literals;

struct Line {
  std::string moduleId;
  std::string stream;
  std::string text;
  bool operator==(const Line&) const = default;
};

std::ostream& operator<<(std::ostream& out, const Line& line) {
  return out << "[" << line.moduleId << "/" << line.stream << "] " << line.text;
}

class Collector {
 public:
  OutputPump::LineSink sink() {
    return [this](const std::string& moduleId, std::string_view stream, std::string_view line) {
      MutexLock lock(m_mutex);
      m_lines.push_back({moduleId, std::string(stream), std::string(line)});
    };
  }
  std::vector<Line> lines() const {
    MutexLock lock(m_mutex);
    return m_lines;
  }
  std::size_t size() const {
    MutexLock lock(m_mutex);
    return m_lines.size();
  }
  // Polls until at least `count` lines arrived or 10 s passed.
  bool waitFor(std::size_t count) const {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (size() < count) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(2ms);
    }
    return true;
  }

 private:
  mutable Mutex m_mutex;
  std::vector<Line> m_lines PLEXUS_GUARDED_BY(m_mutex);
};

// A pipe whose read end is non-blocking (as the spawner hands it over) and write end blocking.
struct Pipe {
  Pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2");
    readFd = fds[0];
    writeFd = fds[1];
    ::fcntl(readFd, F_SETFL, ::fcntl(readFd, F_GETFL) | O_NONBLOCK);
  }
  ~Pipe() { closeWrite(); }
  void write(std::string_view data) const {
    while (!data.empty()) {
      ssize_t n = ::write(writeFd, data.data(), data.size());
      if (n < 0) throw std::runtime_error("write");
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  void closeWrite() {
    if (writeFd >= 0) ::close(writeFd);
    writeFd = -1;
  }
  int readFd = -1;  // owned by the pump once watched
  int writeFd = -1;
};

std::vector<std::string> texts(const std::vector<Line>& lines) {
  std::vector<std::string> out;
  out.reserve(lines.size());
  for (const auto& line : lines)
    out.push_back(line.text);
  return out;
}

TEST(OutputPumpTest, SplitsLinesAndFlushesTheLastLineAtEof) {
  Collector collector;
  OutputPump pump(4096, collector.sink());
  Pipe pipe;
  pump.watch(pipe.readFd, "chainsim", "stdout");
  pipe.write("first\nsec");
  pipe.write("ond\n\nlast without newline");
  pipe.closeWrite();
  ASSERT_TRUE(collector.waitFor(4)) << collector.size();
  EXPECT_EQ(collector.lines(), (std::vector<Line>{{"chainsim", "stdout", "first"},
                                                  {"chainsim", "stdout", "second"},
                                                  {"chainsim", "stdout", ""},
                                                  {"chainsim", "stdout", "last without newline"}}));
}

TEST(OutputPumpTest, CarriageReturnLineFeedEndsALine) {
  Collector collector;
  OutputPump pump(4096, collector.sink());
  Pipe pipe;
  pump.watch(pipe.readFd, "win", "stderr");
  pipe.write("dos line\r\nunix line\nlast\r\n");
  pipe.closeWrite();
  ASSERT_TRUE(collector.waitFor(3));
  EXPECT_EQ(texts(collector.lines()), (std::vector<std::string>{"dos line", "unix line", "last"}));
}

TEST(OutputPumpTest, LongLinesAreCutAndTheRestCounted) {
  Collector collector;
  OutputPump pump(8, collector.sink());
  Pipe pipe;
  pump.watch(pipe.readFd, "chatty", "stdout");
  pipe.write("0123456789abcdef\nshort\n12345678\n");
  pipe.write(std::string(100'000, 'x') + "\n");
  pipe.closeWrite();
  ASSERT_TRUE(collector.waitFor(4));
  EXPECT_EQ(texts(collector.lines()),
            (std::vector<std::string>{"01234567 [cut 8 bytes]", "short", "12345678",
                                      "xxxxxxxx [cut 99992 bytes]"}));
}

TEST(OutputPumpTest, ControlBytesAreEscaped) {
  Collector collector;
  OutputPump pump(4096, collector.sink());
  Pipe pipe;
  pump.watch(pipe.readFd, "binary", "stdout");
  pipe.write(std::string("bell\a esc\x1b[31m nul", 18) + std::string(1, '\0') + "\ttab\n");
  pipe.closeWrite();
  ASSERT_TRUE(collector.waitFor(1));
  EXPECT_EQ(collector.lines().at(0).text, "bell\\x07 esc\\x1b[31m nul\\x00\ttab");
}

TEST(OutputPumpTest, EscapeKeepsPrintableTabAndUtf8) {
  EXPECT_EQ(OutputPump::escape("plain text 123 ~!"), "plain text 123 ~!");
  EXPECT_EQ(OutputPump::escape("a\tb"), "a\tb");
  EXPECT_EQ(OutputPump::escape("\x01\x1f\x7f"), "\\x01\\x1f\\x7f");
  EXPECT_EQ(OutputPump::escape(std::string_view("\0", 1)), "\\x00");
  EXPECT_EQ(OutputPump::escape("\r\n"), "\\x0d\\x0a");
  EXPECT_EQ(OutputPump::escape("caf\xc3\xa9 \xe2\x82\xac"), "caf\xc3\xa9 \xe2\x82\xac");
  EXPECT_EQ(OutputPump::escape(""), "");
  EXPECT_EQ(OutputPump::escape("\xf0\x9f\x98\x80"), "\xf0\x9f\x98\x80") << "4-byte UTF-8";
}

TEST(OutputPumpTest, EscapeTurnsBinaryThatIsNotUtf8IntoHex) {
  EXPECT_EQ(OutputPump::escape("\x80"), "\\x80") << "lone continuation byte";
  EXPECT_EQ(OutputPump::escape("\xff\xfe"), "\\xff\\xfe");
  EXPECT_EQ(OutputPump::escape("\xc3"), "\\xc3") << "truncated sequence";
  EXPECT_EQ(OutputPump::escape("\xc0\xaf"), "\\xc0\\xaf") << "overlong";
  EXPECT_EQ(OutputPump::escape("\xed\xa0\x80"), "\\xed\\xa0\\x80") << "surrogate";
  EXPECT_EQ(OutputPump::escape("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80") << "above U+10FFFF";
  EXPECT_EQ(OutputPump::escape("ok\xc3\xa9\x80ok"), "ok\xc3\xa9\\x80ok") << "mixed";
}

TEST(OutputPumpTest, SeveralStreamsKeepTheirModuleAndStreamNames) {
  Collector collector;
  OutputPump pump(4096, collector.sink());
  Pipe alphaOut;
  Pipe alphaErr;
  Pipe beta;
  pump.watch(alphaOut.readFd, "alpha", "stdout");
  pump.watch(alphaErr.readFd, "alpha", "stderr");
  pump.watch(beta.readFd, "beta", "stdout");
  for (int i = 0; i < 50; ++i) {
    alphaOut.write("out " + std::to_string(i) + "\n");
    alphaErr.write("err " + std::to_string(i) + "\n");
    beta.write("beta " + std::to_string(i) + "\n");
  }
  alphaOut.closeWrite();
  alphaErr.closeWrite();
  beta.closeWrite();
  ASSERT_TRUE(collector.waitFor(150)) << collector.size();

  // Per stream, in order, each line tagged with its own stream.
  std::map<std::string, std::vector<std::string>> byStream;
  for (const auto& line : collector.lines()) {
    byStream[line.moduleId + "/" + line.stream].push_back(line.text);
  }
  ASSERT_EQ(byStream.size(), 3u);
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(byStream["alpha/stdout"].at(i), "out " + std::to_string(i));
    EXPECT_EQ(byStream["alpha/stderr"].at(i), "err " + std::to_string(i));
    EXPECT_EQ(byStream["beta/stdout"].at(i), "beta " + std::to_string(i));
  }
}

TEST(OutputPumpTest, WriterOfSeveralMegabytesNeverBlocks) {
  Collector collector;
  OutputPump pump(4096, collector.sink());
  Pipe pipe;
  pump.watch(pipe.readFd, "flood", "stdout");

  // 64 Ki lines of 100 bytes: 6.4 MB, far more than a pipe buffer holds. The writer only
  // finishes if the pump keeps reading; the sink is never blocked on the test thread.
  constexpr int kLines = 64 * 1024;
  std::thread writer([&] {
    std::string chunk;
    for (int i = 0; i < kLines; ++i) {
      std::string line = std::to_string(i);
      line.resize(99, '.');
      chunk += line + "\n";
      if (chunk.size() > std::size_t{64} * 1024) {
        pipe.write(chunk);
        chunk.clear();
      }
    }
    pipe.write(chunk);
    pipe.closeWrite();
  });
  writer.join();
  ASSERT_TRUE(collector.waitFor(kLines)) << collector.size();

  const auto lines = collector.lines();
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(kLines));
  for (int i : {0, 1, 4095, 4096, kLines / 2, kLines - 1}) {
    std::string expected = std::to_string(i);
    expected.resize(99, '.');
    EXPECT_EQ(lines[static_cast<std::size_t>(i)].text, expected) << i;
  }
}

TEST(OutputPumpTest, DestructorFlushesAPartialLine) {
  Collector collector;
  Pipe pipe;
  {
    OutputPump pump(4096, collector.sink());
    pump.watch(pipe.readFd, "quitter", "stdout");
    pipe.write("complete\nno newline yet");
    ASSERT_TRUE(collector.waitFor(1));
  }  // the writer is still open: only the destructor can emit the partial line
  EXPECT_EQ(texts(collector.lines()), (std::vector<std::string>{"complete", "no newline yet"}));
  // The pump closed the read end: writing now fails with EPIPE instead of blocking.
  ::signal(SIGPIPE, SIG_IGN);
  EXPECT_LT(::write(pipe.writeFd, "x", 1), 0);
}

}  // namespace
}  // namespace plexus::host
