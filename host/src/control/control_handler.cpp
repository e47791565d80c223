#include "control/control_handler.h"

namespace plexus::host {

void ControlReplier::replyError(const std::string& clientId, std::uint64_t correlationId,
                                const Error& error) {
  v1::ControlResponse response;
  response.set_correlation_id(correlationId);
  response.mutable_error()->set_code(error.code);
  response.mutable_error()->set_message(error.message);
  response.mutable_error()->set_correlation_id(correlationId);
  reply(clientId, std::move(response));
}

v1::ControlResponse responseTo(const v1::ControlRequest& request) {
  v1::ControlResponse response;
  response.set_correlation_id(request.correlation_id());
  return response;
}

}  // namespace plexus::host
