#include "probe_runs.h"

#include <sstream>

#include "test_node.h"

namespace plexus::test {

std::vector<HandledRun> handledRuns(const std::filesystem::path& report) {
  std::vector<HandledRun> runs;
  HandledEvent pending;  // the last "event E" line, waiting for its "offset" line
  bool havePending = false;
  for (const auto& line : readLines(report)) {
    std::istringstream in(line);
    std::string word, lane, flags;
    in >> word;
    if (word == "connected") {
      runs.emplace_back();
      havePending = false;
    } else if (word == "event") {
      havePending =
          static_cast<bool>(in >> lane >> pending.seq >> pending.droppedBefore >> pending.type) &&
          lane == "E";
    } else if (word == "offset" && havePending && !runs.empty()) {
      std::uint64_t seq = 0;
      HandledEvent handled = pending;
      if (!(in >> lane >> seq >> handled.offset) || lane != "E" || seq != pending.seq) continue;
      if (in >> flags && flags.rfind("flags=", 0) == 0)
        handled.flags = static_cast<std::uint32_t>(std::stoul(flags.substr(6)));
      runs.back().push_back(handled);
      havePending = false;
    }
  }
  return runs;
}

std::size_t handledOffsets(const std::filesystem::path& report) {
  return countLines(readFile(report), "offset E ");
}

}  // namespace plexus::test
