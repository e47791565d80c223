#pragma once

// Replay: what a late subscriber would otherwise have missed, given once per incarnation and
// type (docs/design.md "Delivery"):
// - ModuleLoaded: the announcement of every loaded module, in load order (a snapshot), on the
//   lifecycle lane;
// - sticky events, a state rather than a moment (NodeStartup, DiskSpaceLow while the disk is
//   low), from setSticky() until clearSticky(): lifecycle types on the lifecycle lane, others
//   handed back for the event lane, where the caller admits (or drops and counts) them.
// Taps (operator tails) get no replay. What a module already got is kept in its slot
// (ModuleSlot::replayed), so unsubscribing and subscribing again does not repeat it.
// Thread rule: loop thread only (owned by the EventManager).

#include <plexus/v1/events.pb.h>

#include <span>
#include <unordered_map>
#include <vector>

#include "delivery/module_slot.h"
#include "plexus/ipc/shared_bytes.h"
#include "plexus/ipc/thread_checker.h"

namespace plexus::host {

class Replay {
 public:
  // ---- ModuleLoaded ----
  // The module was announced (its slot holds its ModuleLoaded): it joins the load order.
  void loaded(ModuleSlot& slot);
  // Its incarnation is gone: it leaves the load order.
  void unloaded(ModuleSlot& slot);
  const std::vector<ModuleSlot*>& loadOrder() const { return m_loadOrder; }

  // ---- sticky events ----
  // `type` now stands with `body`. The current `subscribers` get it by the ordinary publish
  // (the caller's), so they are marked as served and not given it again.
  void setSticky(v1::EventType type, const ipc::SharedBytes& body,
                 std::span<ModuleSlot* const> subscribers);
  // `type` no longer stands; every module may be given it again once it stands again.
  void clearSticky(v1::EventType type, ModuleSlots& slots);

  // ---- a module subscribed to `type` ----
  struct CatchUp {
    bool lifecycle = false;                   // pushed onto its lifecycle lane (flush it)
    const ipc::SharedBytes* event = nullptr;  // for its event lane; valid until the next change
  };
  CatchUp catchUp(ModuleSlot& slot, v1::EventType type);

 private:
  std::vector<ModuleSlot*> m_loadOrder;  // loaded incarnations, in load order
  std::unordered_map<v1::EventType, ipc::SharedBytes> m_sticky;
  ThreadChecker m_thread;
};

}  // namespace plexus::host
