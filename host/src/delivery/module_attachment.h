#pragma once

// What the EventManager needs to know about a module incarnation that completed its handshake
// (the supervisor fills it in; operator taps too). Plain data.

#include <plexus/v1/events.pb.h>

#include <bitset>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "plexus/ipc/event_types.h"

namespace plexus::filter {
class Filter;
}

namespace plexus::host {

// A compiled content filter for one event type (docs/filters.md).
struct TypeFilter {
  v1::EventType type = v1::EVENT_TYPE_UNSPECIFIED;
  std::shared_ptr<const filter::Filter> filter;
};

enum class DeliveryPolicy { Drop, Block };

// The replay lane's slots for a module of event-lane `capacity` (HandshakeAck.replay_capacity):
// half of it, at least one.
inline std::uint32_t replayLaneCapacity(std::uint32_t capacity) {
  return capacity / 2 > 0 ? capacity / 2 : 1;
}

struct ModuleAttachment {
  std::string moduleId;
  std::string name;
  std::string version;
  std::uint64_t incarnation = 1;
  int pid = 0;
  std::uint32_t capacity = 100;
  // Critical-lane slots (docs/design.md "Priority lane"); 0 = no critical lane (a module that
  // negotiated a minor below 1.3, a tap): its critical events travel on its event lane.
  std::uint32_t criticalCapacity = 0;
  // Journal offsets on the wire (EventMeta.offset, since 1.4: ipc::kMinorOffsets). False for a
  // module that negotiated a minor below 1.4 (and a tap of an older plexusctl): the channel
  // keeps its events' offsets, but they leave without (BatchFlusher).
  bool offsets = false;
  // Replay on request (since 1.5: ipc::kMinorReplay): the module may ask for journaled events on
  // a replay lane of replayLaneCapacity(capacity) slots. False below 1.5 and for taps.
  bool replay = false;
  DeliveryPolicy policy = DeliveryPolicy::Drop;
  // A durable module (docs/design.md "Durable modules"): the node keeps its cursor in the
  // journal and delivers its journaled types from there after every start. Its first start
  // begins at `start`: the journal's head (New), its beginning (All), or `startOffset`.
  bool durable = false;
  enum class DurableStart { New, All, Offset };
  DurableStart start = DurableStart::New;
  std::uint64_t startOffset = 0;
  // Types the module may subscribe to; all set = no restriction.
  std::bitset<ipc::kEventTypeSlots> subscribeAllowed = std::bitset<ipc::kEventTypeSlots>().set();
  // An operator tap (plexusctl tail), not a module: never loaded or announced, no replay, left
  // out of statistics and subscriber lists.
  bool tap = false;
  // The configuration's filters (ModuleConfig.subscriptions): they narrow whatever the module
  // subscribes to, for this incarnation.
  std::vector<TypeFilter> configFilters;
};

}  // namespace plexus::host
