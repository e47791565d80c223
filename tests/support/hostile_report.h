#pragma once

// Reading what the hostile module (hostile_module.cpp, a hand-written wire-protocol client)
// recorded in its --report file: the replies the node sent to each scripted action.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace plexus::test {

std::filesystem::path hostileBinary();

// One reply line: "error CODE CID message", "response CID ...", "subscribe-ack ..." or
// "handshake-ack ...".
struct HostileReply {
  std::string line;  // as recorded
  std::string kind;
  std::string code;  // errors only
  std::uint64_t correlation = 0;
  std::string rest;  // the message of an error, the body of a response or ack
};

// The replies recorded between "action <action>" (its `occurrence`-th time) and its end;
// deliveries and monitor events that interleave are left out.
std::vector<HostileReply> repliesTo(const std::filesystem::path& report, const std::string& action,
                                    int occurrence = 0);

}  // namespace plexus::test
