#pragma once

// One-time module tokens: 256 random bits as 64 lowercase hex characters.

#include <string>
#include <string_view>

namespace plexus::ipc {

std::string generateToken();  // throws std::system_error if the kernel has no randomness
bool constantTimeEquals(std::string_view a, std::string_view b);

}  // namespace plexus::ipc
