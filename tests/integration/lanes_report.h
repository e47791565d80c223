#pragma once

// The report of plexus-test-lanes (tests/support/lanes_module.cpp): one "event TYPE NUMBER
// lane=LANE seq=SEQ dropped_before=N" line per handled event, in the order its handlers ran.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace plexus::test {

struct LaneHandled {
  std::string type;
  std::uint64_t number = 0;  // NewBlock: height; ChainReorg: fork height
  std::string lane;
  std::uint64_t seq = 0;
  std::uint64_t droppedBefore = 0;
};

// The report's event lines; an unreadable one is a test failure (ADD_FAILURE) and skipped, but
// for the last, which the module may still be writing.
std::vector<LaneHandled> laneHandledIn(const std::filesystem::path& report);

}  // namespace plexus::test
