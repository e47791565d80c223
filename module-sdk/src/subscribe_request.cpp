#include "subscribe_request.h"

#include <iostream>

#include "plexus/ipc/envelope_codec.h"
#include "plexus/ipc/protocol.h"

namespace plexus::sdk::detail {

v1::Envelope subscribeRequest(const std::string& moduleId,
                              const std::array<Module::Handler, ipc::kEventTypeSlots>& handlers,
                              const std::array<std::string, ipc::kEventTypeSlots>& filters,
                              std::uint32_t negotiatedMinor) {
  v1::Envelope subscribe;
  ipc::stampVersion(subscribe);
  auto* request = subscribe.mutable_subscribe();
  const bool filtersAllowed = negotiatedMinor >= ipc::kMinorFilters;
  for (std::size_t slot = 0; slot < handlers.size(); ++slot) {
    if (!handlers[slot]) continue;
    const auto type = static_cast<v1::EventType>(slot);
    if (!filters[slot].empty()) {
      if (!filtersAllowed) {
        std::cerr << "plexus-sdk: module '" << moduleId << "': subscription to "
                  << ipc::displayName(type) << " refused: its filter needs protocol "
                  << ipc::kProtocolMajor << "." << ipc::kMinorFilters
                  << ", the connection negotiated " << ipc::kProtocolMajor << "." << negotiatedMinor
                  << "\n";
        continue;
      }
      auto* filter = request->add_filters();
      filter->set_type(type);
      filter->set_expression(filters[slot]);
    }
    request->add_types(type);
  }
  return subscribe;
}

void reportRefused(const std::string& moduleId, const std::string& refused) {
  std::size_t begin = 0;
  while (begin < refused.size()) {
    std::size_t end = refused.find('\n', begin);
    if (end == std::string::npos) end = refused.size();
    std::cerr << "plexus-sdk: module '" << moduleId
              << "': subscription refused: " << refused.substr(begin, end - begin) << "\n";
    begin = end + 1;
  }
}

}  // namespace plexus::sdk::detail
