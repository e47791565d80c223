#include "plexus/ctl/json_output.h"

#include <google/protobuf/util/json_util.h>

namespace plexus::ctl {

Result<std::string> toJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  options.add_whitespace = false;
  std::string out;
  const auto status = google::protobuf::util::MessageToJsonString(message, &out, options);
  if (!status.ok()) {
    const auto text = status.message();
    return makeError(v1::ERROR_CODE_INTERNAL,
                     "cannot print " + message.GetTypeName() +
                         " as JSON: " + std::string(text.data(), text.size()));
  }
  return out;
}

Result<std::string> tailLine(const v1::EventMeta& meta, const v1::Event& event, bool lifecycle) {
  auto eventJson = toJson(event);
  if (!eventJson) return eventJson.error();
  // seq and dropped_before as plain numbers: they are small and read by line-oriented tools.
  // Lifecycle events have their own sequence, so the lane is part of the line.
  return "{\"seq\":" + std::to_string(meta.seq()) +
         ",\"dropped_before\":" + std::to_string(meta.dropped_before()) +
         ",\"lifecycle\":" + (lifecycle ? "true" : "false") + ",\"event\":" + *eventJson + "}";
}

}  // namespace plexus::ctl
