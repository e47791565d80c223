#include "delivery/subscription_filters.h"

#include <algorithm>

namespace plexus::host {

namespace {
google::protobuf::ArenaOptions arenaOver(char* block, std::size_t size) {
  google::protobuf::ArenaOptions options;
  options.initial_block = block;
  options.initial_block_size = size;
  return options;
}
}  // namespace

ParseArena::ParseArena() : m_arena(arenaOver(m_block.data(), m_block.size())) {}

v1::Event* ParseArena::fresh() {
  m_arena.Reset();
  return google::protobuf::Arena::CreateMessage<v1::Event>(&m_arena);
}

CompiledSubscribe compileSubscribe(std::span<const v1::EventType> types,
                                   std::span<const FilterRequest> filters) {
  CompiledSubscribe out;
  std::bitset<ipc::kEventTypeSlots> listed, refused, seen;
  for (v1::EventType type : types)
    listed.set(static_cast<std::size_t>(type));
  std::vector<TypeFilter> compiled;
  auto refuse = [&](v1::EventType type, std::string reason, std::uint32_t column) {
    const auto bit = static_cast<std::size_t>(type);
    if (!ipc::isValidEventType(type) || refused.test(bit)) return;
    refused.set(bit);
    out.refused.push_back({type, std::move(reason), column});
  };
  for (const FilterRequest& request : filters) {
    const v1::EventType type = request.type;
    const std::string name =
        ipc::isValidEventType(type) ? ipc::displayName(type) : "event type " + std::to_string(type);
    if (!ipc::isValidEventType(type) || !listed.test(static_cast<std::size_t>(type))) {
      out.refused.push_back(
          {type, "a filter for " + name + ", which the Subscribe does not list", 0});
      continue;
    }
    if (seen.test(static_cast<std::size_t>(type))) {
      refuse(type, "more than one filter for " + name, 0);
      continue;
    }
    seen.set(static_cast<std::size_t>(type));
    if (ipc::isLifecycleLane(type)) {
      refuse(type,
             name +
                 " is a lifecycle event and takes no filter: lifecycle events reach every "
                 "subscriber exactly",
             0);
      continue;
    }
    filter::CompileResult result{request.compiled, {}};
    if (!result.filter) result = filter::compileEventFilter(request.expression, type);
    if (!result.filter) {
      refuse(type, filter::describe(result.error), static_cast<std::uint32_t>(result.error.column));
      continue;
    }
    compiled.push_back({type, std::move(result.filter)});
  }
  for (v1::EventType type : types) {
    const auto bit = static_cast<std::size_t>(type);
    if (refused.test(bit)) continue;
    refused.set(bit);  // each type once
    auto it = std::find_if(compiled.begin(), compiled.end(),
                           [&](const TypeFilter& f) { return f.type == type; });
    out.accepted.push_back({type, it == compiled.end() ? nullptr : it->filter});
  }
  return out;
}

void SubscriptionFilters::reset(std::span<const TypeFilter> configFilters) {
  m_active.reset();
  m_entries.clear();
  for (const TypeFilter& configured : configFilters) {
    if (!configured.filter) continue;
    entry(configured.type).config = configured.filter;
    m_active.set(static_cast<std::size_t>(configured.type));
  }
}

void SubscriptionFilters::setModuleFilter(v1::EventType type,
                                          std::shared_ptr<const filter::Filter> filter) {
  if (!filter && find(type) == nullptr) return;
  Entry& e = entry(type);
  e.module = std::move(filter);
  const bool any = e.config || e.module;
  m_active.set(static_cast<std::size_t>(type), any);
  if (!any) std::erase_if(m_entries, [&](const Entry& x) { return x.type == type; });
}

bool SubscriptionFilters::matches(v1::EventType type, const v1::Event& event) const {
  const Entry* e = find(type);
  if (e == nullptr) return true;
  return (!e->config || e->config->matches(event)) && (!e->module || e->module->matches(event));
}

std::string SubscriptionFilters::describe(v1::EventType type) const {
  const Entry* e = find(type);
  if (e == nullptr) return {};
  if (e->config && e->module) return "(" + e->config->text() + ") and (" + e->module->text() + ")";
  return e->config ? e->config->text() : e->module->text();
}

const SubscriptionFilters::Entry* SubscriptionFilters::find(v1::EventType type) const {
  auto it = std::find_if(m_entries.begin(), m_entries.end(),
                         [&](const Entry& e) { return e.type == type; });
  return it == m_entries.end() ? nullptr : &*it;
}

SubscriptionFilters::Entry& SubscriptionFilters::entry(v1::EventType type) {
  for (Entry& e : m_entries) {
    if (e.type == type) return e;
  }
  m_entries.push_back({type, nullptr, nullptr});
  return m_entries.back();
}

}  // namespace plexus::host
