#include "delivery/replay.h"

#include <vector>

#include "plexus/ipc/event_types.h"

namespace plexus::host {

void Replay::loaded(ModuleSlot& slot) {
  PLEXUS_ASSERT_THREAD(m_thread);
  m_loadOrder.push_back(&slot);
}

void Replay::unloaded(ModuleSlot& slot) {
  PLEXUS_ASSERT_THREAD(m_thread);
  std::erase(m_loadOrder, &slot);
}

void Replay::setSticky(v1::EventType type, const ipc::SharedBytes& body,
                       std::span<ModuleSlot* const> subscribers) {
  PLEXUS_ASSERT_THREAD(m_thread);
  m_sticky[type] = body;
  for (ModuleSlot* slot : subscribers)
    slot->replayed.set(static_cast<std::size_t>(type));
}

void Replay::clearSticky(v1::EventType type, ModuleSlots& slots) {
  PLEXUS_ASSERT_THREAD(m_thread);
  m_sticky.erase(type);
  slots.forEach([type](ModuleSlot& slot) { slot.replayed.reset(static_cast<std::size_t>(type)); });
}

Replay::CatchUp Replay::catchUp(ModuleSlot& slot, v1::EventType type) {
  PLEXUS_ASSERT_THREAD(m_thread);
  const auto bit = static_cast<std::size_t>(type);
  CatchUp missed;
  if (slot.module.tap || slot.replayed.test(bit)) return missed;
  if (type == v1::EVENT_TYPE_MODULE_LOADED) {
    slot.replayed.set(bit);
    for (const ModuleSlot* other : m_loadOrder)
      slot.channel->pushLifecycle(other->announcement);
    missed.lifecycle = true;
    return missed;
  }
  auto sticky = m_sticky.find(type);
  if (sticky == m_sticky.end()) return missed;
  slot.replayed.set(bit);
  if (ipc::isLifecycleLane(type)) {
    slot.channel->pushLifecycle(sticky->second);
    missed.lifecycle = true;
  } else {
    missed.event = &sticky->second;
  }
  return missed;
}

}  // namespace plexus::host
