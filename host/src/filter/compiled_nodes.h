#pragma once

// The compiled form of a filter: a tree of typed nodes over field paths resolved to
// descriptors when the filter compiled. Evaluating one does no name lookup and no heap
// allocation: a path walks its chain of FieldDescriptors and reads its leaf with the getter of
// the leaf's C++ type, chosen at compile time (a template per type and predicate): the generated
// accessor where event_accessors.h has one, else the Reflection of the generated class, cached
// at compile time (asking a message for its Reflection costs as much as the read); strings are
// read by reference.
// Thread rule: immutable once built; eval() may run on any thread, each call with its own
// scopes.

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "filter/filter.h"
#include "filter/operators.h"

namespace plexus::filter {

// Where the paths of an evaluation start: scope 0 is the root message, scope 1 the payload (the
// root itself when the filter has no payload), scope 2 + k the current element of the any()
// nested k levels deep (0: outermost).
struct Scope {
  // The element, for a repeated message field; for a repeated scalar field, the message that
  // holds it (the element is `index` in it).
  const google::protobuf::Message* message;
  int index;
};
inline constexpr std::size_t kRootScope = 0;
inline constexpr std::size_t kPayloadScope = 1;
inline constexpr std::size_t kMaxScopes = 2 + kMaxFilterDepth;

// One evaluation's state, on the stack of Filter::matches(): nothing is initialised but what
// Entry::enter() and any() write.
struct Context {
  // The root is an instance of its generated C++ class, so is every message below it: reads go
  // through the generated accessors (event_accessors.h) or the class's cached Reflection.
  // Otherwise (a DynamicMessage) each read asks the message for its Reflection.
  bool generated;
  std::array<Scope, kMaxScopes> scopes;
};

// A field path resolved to descriptors: from scopes[scope], through the singular message fields
// `messages`, to the field `leaf`.
struct FieldPath {
  std::size_t scope = kPayloadScope;
  std::vector<const google::protobuf::FieldDescriptor*> messages;
  const google::protobuf::FieldDescriptor* leaf = nullptr;
  // `it` of an any() over scalars: leaf is the repeated field, read at scopes[scope].index.
  bool element = false;
};

class Node {
 public:
  virtual ~Node() = default;
  virtual bool eval(Context& context) const = 0;
};
using NodePtr = std::unique_ptr<const Node>;

// How Filter::matches() enters the tree: checks the message's type and sets the root and
// payload scopes.
class Entry {
 public:
  Entry(const google::protobuf::Descriptor& root, const google::protobuf::FieldDescriptor* payload);
  // False when `message` is not of the root type.
  bool enter(const google::protobuf::Message& message, Context& context) const;

 private:
  const google::protobuf::Descriptor* m_root;
  const google::protobuf::FieldDescriptor* m_payload;
  const google::protobuf::Message* m_prototype;      // the generated class's, or null
  const google::protobuf::Reflection* m_reflection;  // the generated class's, or null
  const google::protobuf::Message& (*m_fastPayload)(const google::protobuf::Message&);
};

// A literal converted to the domain of the field it is compared with: int64 for int32, int64
// and enum (its number); uint64 for uint32 and uint64; double for float and double; bool;
// string for string and bytes. The factories require that alternative for the leaf's type.
using Constant = std::variant<std::int64_t, std::uint64_t, double, bool, std::string>;

NodePtr makeCompare(const FieldPath& path, CompareOp op, Constant value);
NodePtr makeRange(const FieldPath& path, Constant low, Constant high);  // low <= value <= high
NodePtr makeSet(const FieldPath& path, std::vector<Constant> values);   // at least one
NodePtr makeText(const FieldPath& path, TextOp op, std::string value);  // a string or bytes leaf
NodePtr makeAnd(std::vector<NodePtr> operands);
NodePtr makeOr(std::vector<NodePtr> operands);
NodePtr makeNot(NodePtr operand);
// any(): true when `predicate` holds for an element of the repeated field `repeated.leaf`; the
// element is scopes[scope] while the predicate runs.
NodePtr makeAny(const FieldPath& repeated, std::size_t scope, NodePtr predicate);

}  // namespace plexus::filter
