#include "plexus/ctl/event_builder.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/json_util.h>

#include <string>

#include "plexus/ipc/event_types.h"

namespace plexus::ctl {

namespace {

// The JSON parser reports "what\n<input from the error on>\n^"; a usage error is one line.
std::string oneLine(const std::string& parserMessage) {
  const auto firstEnd = parserMessage.find('\n');
  if (firstEnd == std::string::npos) return parserMessage;
  std::string out = parserMessage.substr(0, firstEnd);
  const auto excerptEnd = parserMessage.find('\n', firstEnd + 1);
  const std::string excerpt = parserMessage.substr(firstEnd + 1, excerptEnd == std::string::npos
                                                                     ? std::string::npos
                                                                     : excerptEnd - firstEnd - 1);
  return out + (excerpt.empty() ? " (at the end of the input)" : " (at '" + excerpt + "')");
}

}  // namespace

Result<v1::Event> buildEvent(v1::EventType type, std::string_view payloadJson) {
  if (!ipc::isValidEventType(type)) {
    return makeError(v1::ERROR_CODE_INVALID_ARGUMENT,
                     "event type " + std::to_string(type) + " is not a valid type");
  }
  v1::Event event;
  event.set_type(type);
  // Reflection rather than a switch: a type added to events.proto needs no change here.
  const auto* field = v1::Event::descriptor()->FindFieldByNumber(ipc::payloadFieldNumber(type));
  if (field == nullptr || field->message_type() == nullptr ||
      field->containing_oneof() == nullptr) {
    return makeError(v1::ERROR_CODE_INTERNAL,
                     "events.proto has no payload field for " + ipc::displayName(type));
  }
  // Selects the oneof case even for "{}": an empty payload is still the right payload.
  auto* payload = event.GetReflection()->MutableMessage(&event, field);
  const google::protobuf::util::JsonParseOptions options;  // strict: unknown fields are errors
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(payloadJson.data(), payloadJson.size()), payload, options);
  if (!status.ok()) {
    const auto message = status.message();
    return makeError(v1::ERROR_CODE_INVALID_ARGUMENT,
                     "invalid JSON payload for " + ipc::displayName(type) + " (" +
                         field->message_type()->name() +
                         "): " + oneLine(std::string(message.data(), message.size())));
  }
  return event;
}

}  // namespace plexus::ctl
