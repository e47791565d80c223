#pragma once

// RoutingTable: event type -> subscribers, precomputed so a publish is one array lookup.
// Subscribers keep the order in which they subscribed. Thread rule: loop thread only.

#include <plexus/v1/events.pb.h>

#include <algorithm>
#include <array>
#include <vector>

#include "plexus/ipc/event_types.h"

namespace plexus::host {

template <class Subscriber>
class RoutingTable {
 public:
  const std::vector<Subscriber*>& subscribers(v1::EventType type) const {
    return m_table[static_cast<std::size_t>(type)];
  }
  // True when `subscriber` was not yet subscribed to `type`.
  bool add(v1::EventType type, Subscriber* subscriber) {
    auto& list = m_table[static_cast<std::size_t>(type)];
    if (std::find(list.begin(), list.end(), subscriber) != list.end()) return false;
    list.push_back(subscriber);
    return true;
  }
  bool remove(v1::EventType type, Subscriber* subscriber) {
    auto& list = m_table[static_cast<std::size_t>(type)];
    auto it = std::find(list.begin(), list.end(), subscriber);
    if (it == list.end()) return false;
    list.erase(it);
    return true;
  }
  void removeEverywhere(Subscriber* subscriber) {
    for (auto& list : m_table)
      std::erase(list, subscriber);
  }

 private:
  std::array<std::vector<Subscriber*>, ipc::kEventTypeSlots> m_table;
};

}  // namespace plexus::host
