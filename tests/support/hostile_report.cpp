#include "hostile_report.h"

#include <sstream>

#include "test_node.h"

namespace plexus::test {

std::filesystem::path hostileBinary() {
  return binDir() / "plexus-test-hostile";
}

std::vector<HostileReply> repliesTo(const std::filesystem::path& report, const std::string& action,
                                    int occurrence) {
  std::vector<HostileReply> out;
  bool inside = false;
  for (const auto& line : readLines(report)) {
    if (line == "action " + action) {
      inside = occurrence-- == 0;
      continue;
    }
    if (!inside) continue;
    if (line.rfind("done ", 0) == 0 || line.rfind("timeout ", 0) == 0) break;
    std::istringstream in(line);
    HostileReply reply;
    reply.line = line;
    in >> reply.kind;
    if (reply.kind == "error") {
      in >> reply.code >> reply.correlation;
    } else if (reply.kind == "response") {
      in >> reply.correlation;
    } else if (reply.kind != "subscribe-ack" && reply.kind != "handshake-ack") {
      continue;
    }
    std::getline(in >> std::ws, reply.rest);
    out.push_back(reply);
  }
  return out;
}

}  // namespace plexus::test
