#pragma once

// What a failed connect says: the message of the ConnectError `attempt` throws.

#include <plexus/sdk/module.h>

#include <functional>
#include <string>

namespace plexus::sdk::test {

inline std::string connectErrorOf(const std::function<void()>& attempt) {
  try {
    attempt();
  } catch (const ConnectError& e) {
    return e.what();
  }
  return "(no ConnectError)";
}

}  // namespace plexus::sdk::test
