#pragma once

// SubscriptionFilters: the content filters of one module incarnation, per event type
// (docs/filters.md): the configuration's (ModuleAttachment::configFilters, fixed for the
// incarnation) and the module's own (its Subscribe; each Subscribe of a type replaces it). An
// event passes when it matches both. LazyEvent parses a publish's body once, for every filter
// of every subscriber, and only when one of them has a filter.
// Thread rule: loop thread only (part of ModuleSlot and EventManager::publish).

#include <google/protobuf/arena.h>
#include <plexus/v1/events.pb.h>

#include <array>
#include <bitset>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "delivery/module_attachment.h"
#include "filter/filter.h"
#include "plexus/ipc/event_types.h"
#include "plexus/ipc/shared_bytes.h"

namespace plexus::host {

class SubscriptionFilters {
 public:
  // A new incarnation: the configuration's filters, none of the module's.
  void reset(std::span<const TypeFilter> configFilters);
  // The module's filter of `type`; null: none (the configuration's still applies).
  void setModuleFilter(v1::EventType type, std::shared_ptr<const filter::Filter> filter);

  // Whether events of `type` go through a filter at all (one bit test on the publish path).
  bool active(v1::EventType type) const { return m_active.test(static_cast<std::size_t>(type)); }
  // Precondition: active(type); `event` is the parsed event.
  bool matches(v1::EventType type, const v1::Event& event) const;
  // The effective filter as text: "" when none, "(config) and (module)" when both.
  std::string describe(v1::EventType type) const;

 private:
  struct Entry {
    v1::EventType type = v1::EVENT_TYPE_UNSPECIFIED;
    std::shared_ptr<const filter::Filter> config;
    std::shared_ptr<const filter::Filter> module;
  };
  const Entry* find(v1::EventType type) const;
  Entry& entry(v1::EventType type);

  std::bitset<ipc::kEventTypeSlots> m_active;
  std::vector<Entry> m_entries;  // few: the filtered types of one module
};

// A module's filter for one type of its Subscribe (wire: TypeFilter), or a tail's.
struct FilterRequest {
  v1::EventType type = v1::EVENT_TYPE_UNSPECIFIED;
  std::string expression;
  // `expression` compiled for `type` already (a tail checks its filter first): used as is.
  std::shared_ptr<const filter::Filter> compiled = nullptr;
};
// A type of a Subscribe that was not subscribed, and why (wire: SubscribeRefusal).
struct SubscribeRefusal {
  v1::EventType type = v1::EVENT_TYPE_UNSPECIFIED;
  std::string reason;
  std::uint32_t column = 0;  // in the filter's text, 1-based; 0 when not about its text
};
// A Subscribe's types with their compiled filters (null: unfiltered), and the refused ones:
// a filter that does not compile (each one not compiled already is compiled here), for a lifecycle
// type (their replay stays exact), for a type not in `types`, or a second filter for a type.
struct CompiledSubscribe {
  std::vector<TypeFilter> accepted;
  std::vector<SubscribeRefusal> refused;
};
CompiledSubscribe compileSubscribe(std::span<const v1::EventType> types,
                                   std::span<const FilterRequest> filters);

// Where LazyEvent parses: an arena over a block the EventManager owns, reset before each parse,
// so a parse allocates nothing but the buffers of long strings.
class ParseArena {
 public:
  ParseArena();
  ParseArena(const ParseArena&) = delete;
  ParseArena& operator=(const ParseArena&) = delete;
  // A fresh, empty Event on the arena; what the previous call returned is gone.
  v1::Event* fresh();

 private:
  static constexpr std::size_t kBlockBytes = 8192;
  alignas(16) std::array<char, kBlockBytes> m_block{};
  google::protobuf::Arena m_arena;
};

// One publish's body, parsed on first use into a scratch Event of a ParseArena.
class LazyEvent {
 public:
  LazyEvent(ParseArena& arena, const ipc::SharedBytes& body) : m_arena(arena), m_body(body) {}
  // Null when the body does not parse (then no filter matches it).
  const v1::Event* get() {
    if (m_state == State::Unparsed) {
      m_event = m_arena.fresh();
      m_state = m_event->ParseFromArray(m_body.data(), static_cast<int>(m_body.size()))
                    ? State::Parsed
                    : State::Invalid;
    }
    return m_state == State::Parsed ? m_event : nullptr;
  }

 private:
  enum class State { Unparsed, Parsed, Invalid };
  ParseArena& m_arena;
  const ipc::SharedBytes& m_body;
  v1::Event* m_event = nullptr;
  State m_state = State::Unparsed;
};

}  // namespace plexus::host
