#include "delivery/publish_check.h"

#include <algorithm>
#include <string>

#include "config/node_name.h"
#include "plexus/ipc/event_types.h"

namespace plexus::host {

namespace {

// A relayed event's origin (checkPublish allowed the publisher to set one).
Status checkRelayedOrigin(const v1::Event& event, std::string_view ownNode) {
  const v1::Origin& origin = event.origin();
  if (auto problem = nodeNameProblem(origin.node()); !problem.empty()) {
    return makeError(v1::ERROR_CODE_INVALID_ARGUMENT, "origin: " + problem);
  }
  if (origin.node() == ownNode) {
    return makeError(v1::ERROR_CODE_INVALID_ARGUMENT,
                     "origin.node '" + origin.node() +
                         "' is this node: an event of this node does not come back (a loop)");
  }
  if (origin.module().empty()) {
    return makeError(v1::ERROR_CODE_INVALID_ARGUMENT, "origin.module is empty");
  }
  if (origin.offset() == 0) {
    // The node drops a relayed duplicate by (origin.node, origin.offset): it needs the offset.
    return makeError(
        v1::ERROR_CODE_INVALID_ARGUMENT,
        "origin.offset is 0: a relayed event carries its journal offset on " + origin.node());
  }
  return {};
}

}  // namespace

Status checkPublish(const v1::Event& event, std::string_view publisher,
                    const v1::ModuleConfig* module, std::string_view ownNode) {
  if (!ipc::isValidEventType(event.type())) {
    return makeError(v1::ERROR_CODE_INVALID_ARGUMENT,
                     "event type " + std::to_string(event.type()) + " is not a valid type");
  }
  const std::string name = ipc::displayName(event.type());
  if (ipc::isHostOnly(event.type())) {
    return makeError(v1::ERROR_CODE_PERMISSION_DENIED,
                     name + " is a host-only event type: only the node publishes it");
  }
  if (event.has_origin() && (module == nullptr || !module->capabilities().relay())) {
    return makeError(v1::ERROR_CODE_PERMISSION_DENIED,
                     "'" + std::string(publisher) +
                         "' may not set origin (only a module with capabilities.relay may)");
  }
  if (module != nullptr) {
    const auto& granted = module->capabilities().publish();
    if (std::find(granted.begin(), granted.end(), event.type()) == granted.end()) {
      return makeError(v1::ERROR_CODE_PERMISSION_DENIED, "module '" + std::string(publisher) +
                                                             "' may not publish " + name +
                                                             " (not in its capabilities.publish)");
    }
  }
  if (auto status = ipc::checkPayloadMatchesType(event); !status) return status;
  return event.has_origin() ? checkRelayedOrigin(event, ownNode) : Status{};
}

}  // namespace plexus::host
