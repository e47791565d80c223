// ModuleServer: relayed duplicates (docs/design.md "Relayed duplicates").

#include "module_link/module_server.h"
#include "plexus/ipc/envelope_codec.h"
#include "plexus/ipc/event_types.h"

namespace plexus::host {

void ModuleServer::restoreRelayed(const std::vector<RelayedOrigin>& relayed) {
  PLEXUS_ASSERT_THREAD(m_thread);
  for (const RelayedOrigin& origin : relayed)
    m_relayed.take(origin.node, origin.offset);
}

bool ModuleServer::answeredDuplicate(const std::string& moduleId, std::uint64_t correlationId,
                                     const v1::Event& event) {
  if (!event.has_origin() || !m_relayed.taken(event.origin().node(), event.origin().offset())) {
    return false;
  }
  if (stillPublishing(event.origin())) {
    // Taken by a publish that still waits (for room in the journal): whether it is published is
    // not known yet, so this one is neither a duplicate nor routed. The relay retries.
    send(moduleId,
         ipc::errorEnvelope(v1::ERROR_CODE_UNAVAILABLE,
                            "node '" + event.origin().node() + "' offset " +
                                std::to_string(event.origin().offset()) +
                                " is still being published (it waits for room in the journal): "
                                "publish it again",
                            correlationId));
    return true;
  }
  ++m_relayedDuplicates;
  m_warnings.warn(moduleId + "/duplicate", [&] {
    return "module '" + moduleId + "' relayed " + ipc::displayName(event.type()) + " of node '" +
           event.origin().node() + "' offset " + std::to_string(event.origin().offset()) +
           " again: a duplicate, not routed (" + std::to_string(m_relayedDuplicates) +
           " since the node started)";
  });
  v1::Envelope reply;
  ipc::stampVersion(reply);
  reply.mutable_response()->set_correlation_id(correlationId);
  reply.mutable_response()->mutable_publish()->set_duplicate(true);
  send(moduleId, reply);
  return true;
}

bool ModuleServer::stillPublishing(const v1::Origin& origin) const {
  // Only on a relayed publish found taken (rare); at most maxOutstandingPublishes per module.
  for (const auto& [token, pending] : m_pendingPublishes) {
    if (pending.relayed && pending.relayed->second == origin.offset() &&
        pending.relayed->first == origin.node()) {
      return true;
    }
  }
  return false;
}

}  // namespace plexus::host
