#pragma once

// Content filters (issue 12): a small expression language over an event's payload fields,
// compiled once against protobuf descriptors and evaluated per event without name lookups or
// allocation. The language, its type rules, its errors and its cost: docs/filters.md.
//
//   fee >= 1000 and txid prefix "ab"
//   urgency in {URGENCY_HIGH, MEDIUM} or source == "operator"
//   any(outputs, it.value > 1000 and it.script prefix "00")
//
// Layer: depends on protobuf and plexus/ipc only (host/src/filter sits between runtime and
// config). No exceptions on this path: compiling returns the filter or the error.

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <plexus/v1/events.pb.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace plexus::filter {

// Where a filter failed to compile: 1-based column in the text (a byte offset), and why.
// Column 0: the error is not about a place in the text (an unknown event type, a payload field
// that is not a singular message field of the root).
struct FilterError {
  std::size_t column = 0;
  std::string message;
};
// "column 5: unknown field 'fe' in plexus.v1.NewTransaction"; the message alone for column 0.
std::string describe(const FilterError&);

// The longest filter text accepted, in bytes, and the deepest nesting of '(', 'not' and 'any'.
inline constexpr std::size_t kMaxFilterBytes = 4096;
inline constexpr std::size_t kMaxFilterDepth = 64;

// A compiled filter. Thread rule: immutable once built; matches() may run on any thread.
class Filter {
 public:
  virtual ~Filter() = default;
  // `event` is a message of the root descriptor the filter was compiled against (for event
  // filters: a plexus::v1::Event whose payload is the filter's type). A message of another type
  // matches nothing. A payload other than the filter's (another oneof case) reads as unset:
  // every field at its default.
  virtual bool matches(const google::protobuf::Message& event) const = 0;
  virtual const std::string& text() const = 0;  // the expression as given
};

// Either a filter or the error: `filter` is set on success, else `error` says where and why
// (its message is never empty then).
struct CompileResult {
  std::shared_ptr<const Filter> filter;
  FilterError error;
  explicit operator bool() const { return filter != nullptr; }
};

// Generic: paths resolve in the message `payload` (a singular message field of `root`, e.g.
// Event.new_transaction); the identifier `source` resolves to root's string field named
// "source" unless payload has a field of that name (then payload's wins). If `payload` is
// null, paths resolve in root itself.
CompileResult compileFilter(std::string_view text, const google::protobuf::Descriptor& root,
                            const google::protobuf::FieldDescriptor* payload);
// For plexus::v1::Event of `type`: payload = the Event field numbered 100 + type
// (proto/plexus/v1/events.proto). Refuses types whose payload field does not exist (column 0).
CompileResult compileEventFilter(std::string_view text, v1::EventType type);

}  // namespace plexus::filter
