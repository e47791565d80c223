// The factories: parse, type-check, and wrap the compiled tree as a Filter.

#include "filter/filter.h"

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "filter/compiled_nodes.h"
#include "filter/parser.h"
#include "filter/type_check.h"
#include "plexus/ipc/event_types.h"

namespace plexus::filter {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

class CompiledFilter final : public Filter {
 public:
  CompiledFilter(std::string text, const Descriptor& root, const FieldDescriptor* payload,
                 NodePtr node)
      : m_text(std::move(text)), m_entry(root, payload), m_node(std::move(node)) {}

  bool matches(const Message& event) const override {
    Context context;  // uninitialised: enter() and any() write what the nodes read
    return m_entry.enter(event, context) && m_node->eval(context);
  }

  const std::string& text() const override { return m_text; }

 private:
  std::string m_text;
  Entry m_entry;
  NodePtr m_node;
};

CompileResult failed(FilterError error) {
  return CompileResult{nullptr, std::move(error)};
}

}  // namespace

std::string describe(const FilterError& error) {
  if (error.column == 0) return error.message;
  return "column " + std::to_string(error.column) + ": " + error.message;
}

CompileResult compileFilter(std::string_view text, const Descriptor& root,
                            const FieldDescriptor* payload) {
  if (payload != nullptr && (payload->containing_type() != &root || payload->is_repeated() ||
                             payload->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE)) {
    return failed({0, "'" + payload->full_name() + "' is not a singular message field of " +
                          root.full_name()});
  }
  auto syntax = parse(text);
  if (auto* error = std::get_if<FilterError>(&syntax)) return failed(std::move(*error));
  auto node = typeCheck(*std::get<std::unique_ptr<Syntax>>(syntax), root, payload);
  if (auto* error = std::get_if<FilterError>(&node)) return failed(std::move(*error));
  return CompileResult{std::make_shared<const CompiledFilter>(std::string(text), root, payload,
                                                              std::move(std::get<NodePtr>(node))),
                       {}};
}

CompileResult compileEventFilter(std::string_view text, v1::EventType type) {
  const Descriptor& event = *v1::Event::descriptor();
  const FieldDescriptor* payload = event.FindFieldByNumber(ipc::payloadFieldNumber(type));
  if (!ipc::isValidEventType(type) || payload == nullptr ||
      payload->containing_oneof() == nullptr) {
    return failed(
        {0, "event type " + std::to_string(static_cast<int>(type)) + " has no payload to filter"});
  }
  return compileFilter(text, event, payload);
}

}  // namespace plexus::filter
