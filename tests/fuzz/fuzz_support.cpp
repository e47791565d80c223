#include "fuzz_support.h"

#include <google/protobuf/stubs/logging.h>

#include <cstdio>
#include <cstdlib>
#include <map>

#include "runtime/logging.h"

namespace plexus::fuzz {

std::vector<std::string_view> splitFrames(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string_view> frames;
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  for (;;) {
    const std::size_t at = rest.find(kFrameSeparator);
    if (at == std::string_view::npos) break;
    frames.push_back(rest.substr(0, at));
    rest.remove_prefix(at + kFrameSeparator.size());
  }
  frames.push_back(rest);
  return frames;
}

std::string joinFrames(const std::vector<std::string>& frames) {
  std::string out;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    if (i > 0) out += kFrameSeparator;
    out += frames[i];
  }
  return out;
}

void quietLogging() {
  static const bool done = [] {
    host::configureLogging("off", {});
    // libprotobuf logs every string field with invalid UTF-8 it refuses; only its fatal
    // errors matter here, and they abort anyway.
    google::protobuf::SetLogHandler([](google::protobuf::LogLevel level, const char* file, int line,
                                       const std::string& message) {
      if (level >= google::protobuf::LOGLEVEL_FATAL) {
        std::fprintf(stderr, "libprotobuf FATAL %s:%d: %s\n", file, line, message.c_str());
      }
    });
    return true;
  }();
  (void)done;
}

bool tracing() {
  static const bool on = std::getenv("PLEXUS_FUZZ_TRACE") != nullptr;
  return on;
}

void fail(const char* file, int line, const std::string& what) {
  std::fprintf(stderr, "%s:%d: fuzz check failed: %s\n", file, line, what.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace plexus::fuzz
