#pragma once

// The input language of module_server_fuzz, shared with the seed generator. An input is a list
// of steps separated by kFrameSeparator; each step is one control byte and a payload:
//   control bits 0-1: the module: 0 alpha, 1 beta, 2 gamma, 3 alpha with a wrong ZAP User-Id
//   control bits 2-5: the Action
//   control bit 6   : do not flush after this step (the loop batches several messages)
//   control bit 7   : ignored
// Messages carry the payload as their one frame; FrameOfPrevious appends the payload as one
// more frame of the preceding message, so any frame count is reachable.

#include <cstdint>
#include <string>
#include <string_view>

namespace plexus::fuzz::script {

inline constexpr const char* kModules[] = {"alpha", "beta", "gamma"};

enum class Action : std::uint8_t {
  Message = 0,            // the payload as one frame from the module
  FrameOfPrevious = 1,    // one more frame of the previous message
  EmptyMessage = 2,       // a message with no frame after the routing id
  AckAll = 3,             // an Ack through the last event-lane seq sent to the module
  ExitOrRespawn = 4,      // its process exits (detach) or, when not running, is started again
  AdvanceClock = 5,       // the steady clock moves (payload[0] + 1) * 10 ms, then expire()
  ToggleUnreachable = 6,  // the transport reports the module unreachable / reachable
  Unload = 7,             // the operator unloads it: beginStopping and a Goodbye from the host
  HostPublish = 8,        // the host publishes a HealthCheck from its loop (never waits)
  StickyOn = 9,           // DiskSpaceLow becomes sticky (event lane, replayed to subscribers)
  StickyOff = 10,         // DiskSpaceLow cleared
  NodeShutdown = 11,      // NodeShutdown to every attached module (lifecycle lane)
  ResetStats = 12,        // plexusctl stats --reset for the module
  AckSome = 13,           // an Ack through (last seq sent - payload[0])
  ToggleWouldBlock = 14,  // the transport reports WouldBlock for event sends / stops doing so
  Message2 = 15,          // same as Message
};
inline constexpr int kActionCount = 16;

inline constexpr std::uint8_t kNoFlush = 0x40;

inline std::uint8_t control(int module, Action action, bool flush = true) {
  return static_cast<std::uint8_t>((module & 3) | (static_cast<int>(action) << 2) |
                                   (flush ? 0 : kNoFlush));
}

inline std::string step(int module, Action action, std::string_view payload = {},
                        bool flush = true) {
  std::string out(1, static_cast<char>(control(module, action, flush)));
  out += payload;
  return out;
}

}  // namespace plexus::fuzz::script
