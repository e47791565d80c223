#include "lanes_report.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdio>
#include <string>

#include "test_node.h"

namespace plexus::test {

std::vector<LaneHandled> laneHandledIn(const std::filesystem::path& report) {
  std::vector<LaneHandled> out;
  const auto lines = reportLines(report, "event ");
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    char type[64], lane[32];
    unsigned long long number = 0, seq = 0, dropped = 0;
    if (std::sscanf(line.c_str(), "event %63s %llu lane=%31s seq=%llu dropped_before=%llu", type,
                    &number, lane, &seq, &dropped) != 5) {
      // The last line may be one the module is still writing.
      if (i + 1 < lines.size()) ADD_FAILURE() << "unreadable report line: " << line;
      continue;
    }
    out.push_back({type, number, lane, seq, dropped});
  }
  return out;
}

}  // namespace plexus::test
