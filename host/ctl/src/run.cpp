#include "plexus/ctl/run.h"

#include "plexus/ctl/format.h"
#include "plexus/ctl/json_output.h"
#include "plexus/ctl/requests.h"
#include "plexus/ctl/tail.h"

namespace plexus::ctl {

namespace {

std::string bodyName(const v1::ControlResponse& response, v1::ControlResponse::BodyCase body) {
  if (body == v1::ControlResponse::BODY_NOT_SET) return "nothing";
  const auto* field = response.GetDescriptor()->FindFieldByNumber(body);
  return field == nullptr ? "body " + std::to_string(body) : field->name();
}

// The body message of a response, as --json prints it (StatsResponse, ModulesResponse, ...).
const google::protobuf::Message& bodyOf(const v1::ControlResponse& response) {
  const auto* field = response.GetDescriptor()->FindFieldByNumber(response.body_case());
  return response.GetReflection()->GetMessage(response, field);
}

}  // namespace

ExitCode run(const Invocation& invocation, ControlConnection& connection,
             const std::atomic<bool>& stop, std::ostream& out, std::ostream& err) {
  const auto& command = invocation.command;
  const auto timeout = requestTimeout(invocation.globals, command);
  if (const auto* tail = std::get_if<TailCommand>(&command)) {
    return runTail(connection, *tail, timeout, stop, out, err);
  }

  auto answer = connection.call(buildRequest(command), timeout);
  if (!answer) {
    // Transport failures: no socket, nobody answering, no answer in time; or an answer that
    // does not parse (the node did answer: not "unreachable").
    err << "plexusctl: " << answer.error().message << "\n";
    return answer.error().code == v1::ERROR_CODE_MALFORMED ? ExitCode::ErrorReply
                                                           : ExitCode::Unreachable;
  }
  v1::ControlResponse& response = *answer;
  const auto expected = expectedBody(command);
  if (response.has_error()) {
    err << "plexusctl: " << response.error().message() << "\n";
    return ExitCode::ErrorReply;
  }
  if (response.body_case() != expected) {
    err << "plexusctl: unexpected answer from the node: "
        << bodyName(response, response.body_case()) << " instead of "
        << bodyName(response, expected) << "\n";
    return ExitCode::ErrorReply;
  }

  if (invocation.globals.json) {
    auto json = toJson(bodyOf(response));
    if (!json) {
      err << "plexusctl: " << json.error().message << "\n";
      return ExitCode::ErrorReply;
    }
    out << *json << "\n";
  } else {
    out << formatResponse(command, response);
  }
  out.flush();
  return ExitCode::Ok;
}

}  // namespace plexus::ctl
