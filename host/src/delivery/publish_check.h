#pragma once

// Whether a publisher may publish an event: a valid type, never a host-only type (module and
// node lifecycle, maintenance, resources), the payload the type requires, and - for a module -
// a type its `capabilities.publish` grants (empty grants nothing). Used for module publishes
// and operator publishes alike. Thread rule: pure function.

#include <plexus/v1/config.pb.h>
#include <plexus/v1/events.pb.h>

#include <string_view>

#include "plexus/ipc/result.h"

namespace plexus::host {

// `module` is the publishing module's config; nullptr for the operator.
// An event with `origin` set is refused (PERMISSION_DENIED) unless `module` has
// capabilities.relay: the events of the operator and other modules carry no origin. A
// relayed origin must name a valid node other than `ownNode` (an event of this node coming back
// is a loop: refused), a publisher and an offset other than 0 (INVALID_ARGUMENT): the node
// drops a relayed duplicate by (origin.node, origin.offset) (RelayedOffsets).
Status checkPublish(const v1::Event& event, std::string_view publisher,
                    const v1::ModuleConfig* module, std::string_view ownNode);

}  // namespace plexus::host
