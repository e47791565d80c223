#pragma once

// What the EventManager needs to know about a module incarnation that completed its handshake
// (the supervisor fills it in; operator taps too). Plain data.

#include <bitset>
#include <cstdint>
#include <string>

#include "plexus/ipc/event_types.h"

namespace plexus::host {

enum class DeliveryPolicy { Drop, Block };

struct ModuleAttachment {
  std::string moduleId;
  std::string name;
  std::string version;
  std::uint64_t incarnation = 1;
  int pid = 0;
  std::uint32_t capacity = 100;
  DeliveryPolicy policy = DeliveryPolicy::Drop;
  // Types the module may subscribe to; all set = no restriction.
  std::bitset<ipc::kEventTypeSlots> subscribeAllowed = std::bitset<ipc::kEventTypeSlots>().set();
  // An operator tap (plexusctl tail), not a module: never loaded or announced, no replay, left
  // out of statistics and subscriber lists.
  bool tap = false;
};

}  // namespace plexus::host
