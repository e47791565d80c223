#include "delivery/delivery_stats.h"

namespace plexus::host {

v1::DeliveryStats toProto(const std::string& moduleId, const DeliveryCounters& counters,
                          const DeliveryGauges& gauges) {
  v1::DeliveryStats out;
  out.set_module_id(moduleId);
  out.set_routed(counters.routed);
  out.set_successful(counters.successful);
  out.set_channel_full(counters.channelFull);
  out.set_failed(counters.failed);
  out.set_acked(counters.acked);
  out.set_lost(counters.lost);
  out.set_decode_errors(counters.decodeErrors);
  out.set_rejected(counters.rejected);
  out.set_queued(gauges.queued);
  out.set_in_flight(gauges.inFlight);
  out.set_max_held(counters.maxHeld);
  out.set_last_event_at_unix_ms(counters.lastEventAtUnixMs);
  out.set_blocked(gauges.blocked);
  out.set_capacity(gauges.capacity);
  out.set_filtered(counters.filtered);
  return out;
}

}  // namespace plexus::host
