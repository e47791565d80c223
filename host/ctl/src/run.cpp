#include "plexus/ctl/run.h"

#include <algorithm>
#include <chrono>

#include "plexus/ctl/format.h"
#include "plexus/ctl/journal_read.h"
#include "plexus/ctl/json_output.h"
#include "plexus/ctl/requests.h"
#include "plexus/ctl/tail.h"
#include "plexus/ipc/protocol.h"

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

// While the node publishes, it sends the totals so far (publish_progress) at this interval; each
// one restarts the wait for the answer, so a long publish never outlives --timeout silently.
std::chrono::milliseconds progressInterval(std::chrono::milliseconds timeout) {
  return std::clamp(timeout / 4, std::chrono::milliseconds(10), std::chrono::milliseconds(1000));
}

// The next message for `correlationId` within `timeout`.
Result<v1::ControlResponse> nextFor(ControlConnection& connection, std::uint64_t correlationId,
                                    std::chrono::milliseconds timeout,
                                    const std::atomic<bool>& stop) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (stop) {
      return makeError(v1::ERROR_CODE_UNAVAILABLE,
                       "interrupted: the node stops publishing once it notices");
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    auto response = connection.receive(std::min(left, std::chrono::milliseconds(100)));
    if (response && (response->correlation_id() == correlationId ||
                     (response->has_error() && response->correlation_id() == 0))) {
      return *response;
    }
  }
  return makeError(v1::ERROR_CODE_TIMEOUT, "plexus-node did not answer or report progress within " +
                                               std::to_string(timeout.count()) + " ms");
}

// An older node does not know a request added after its minor (journal, cursors: 1.4): it reads
// no body and answers MALFORMED. Says so, rather than leave "not a ControlRequest" unexplained.
std::string olderNodeNote(const v1::ControlResponse& response) {
  if (response.error().code() != v1::ERROR_CODE_MALFORMED ||
      response.protocol_major() != ipc::kProtocolMajor ||
      response.protocol_minor() >= ipc::kProtocolMinor) {
    return {};
  }
  return " (the node speaks protocol " + std::to_string(response.protocol_major()) + "." +
         std::to_string(response.protocol_minor()) + ", this plexusctl " +
         ipc::protocolVersionString() + ": the node may not know this command)";
}

}  // namespace

ExitCode run(const Invocation& invocation, ControlConnection& connection,
             const std::atomic<bool>& stop, std::ostream& out, std::ostream& err) {
  const auto& command = invocation.command;
  const auto timeout = requestTimeout(invocation.globals, command);
  if (const auto* tail = std::get_if<TailCommand>(&command)) {
    return runTail(connection, *tail, timeout, stop, out, err);
  }
  if (const auto* read = std::get_if<JournalReadCommand>(&command)) {
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    return runJournalRead(connection, *read, timeout, stop, out, err,
                          std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
  }

  v1::ControlRequest request = buildRequest(command);
  if (request.has_publish()) {
    request.mutable_publish()->set_progress_interval_ms(
        static_cast<std::uint32_t>(progressInterval(timeout).count()));
  }
  auto answer = connection.call(std::move(request), timeout);
  while (answer && answer->has_publish_progress()) {
    answer = nextFor(connection, answer->correlation_id(), timeout, stop);
  }
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
    err << "plexusctl: " << response.error().message() << olderNodeNote(response) << "\n";
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
  // A publish stopped at an event some block-policy subscriber did not take.
  if (response.has_publish() &&
      (response.publish().missed_size() > 0 || response.publish().unpublished() > 0)) {
    return ExitCode::ErrorReply;
  }
  return ExitCode::Ok;
}

}  // namespace plexus::ctl
