#pragma once

// Shared by the fuzz targets, the seed generator and the regression test: how an input is split
// into ZeroMQ frames, and the check that ends a run when a target finds a broken invariant.
// Thread rule: one input at a time (libFuzzer and the regression test are single-threaded).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace plexus::fuzz {

// Frames of one input are separated by these four bytes. A separator, not length prefixes, so a
// mutation inside one frame leaves the others intact. The generator checks that no seed frame
// contains it.
inline constexpr std::string_view kFrameSeparator{"\xfe\xed\xfa\xce", 4};

std::vector<std::string_view> splitFrames(const std::uint8_t* data, std::size_t size);
std::string joinFrames(const std::vector<std::string>& frames);

// Switches the node's loggers off once: a warning per malformed input would cost more than the
// input itself.
void quietLogging();

// PLEXUS_FUZZ_TRACE=1 in the environment: targets print every step of an input (how to read a
// crashing one).
bool tracing();

// Called when a target finds a broken invariant: prints what and where, then aborts, so
// libFuzzer records the input as a crash.
[[noreturn]] void fail(const char* file, int line, const std::string& what);

}  // namespace plexus::fuzz

#define PLEXUS_FUZZ_CHECK(condition, what)                            \
  do {                                                                \
    if (!(condition)) ::plexus::fuzz::fail(__FILE__, __LINE__, what); \
  } while (false)
