#include "filter/compiled_nodes.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <variant>
#include <vector>

#include "filter/event_accessors.h"
#include "filter/field_reads.h"

namespace plexus::filter {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::MessageFactory;
using google::protobuf::Reflection;

// Calls `make(Get{})` with the getter of the leaf's C++ type (field_reads.h).
template <class Make>
NodePtr withGetter(const FieldDescriptor& leaf, Make&& make) {
  switch (leaf.cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return make(GetInt32{});
    case FieldDescriptor::CPPTYPE_INT64:
      return make(GetInt64{});
    case FieldDescriptor::CPPTYPE_UINT32:
      return make(GetUInt32{});
    case FieldDescriptor::CPPTYPE_UINT64:
      return make(GetUInt64{});
    case FieldDescriptor::CPPTYPE_FLOAT:
      return make(GetFloat{});
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return make(GetDouble{});
    case FieldDescriptor::CPPTYPE_BOOL:
      return make(GetBool{});
    case FieldDescriptor::CPPTYPE_ENUM:
      return make(GetEnum{});
    case FieldDescriptor::CPPTYPE_STRING:
      return make(GetString{});
    case FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
  return nullptr;  // the type checker never compares a message
}

// ---- predicates on a value ----

template <class Op, class T>
struct Compare {
  T value;
  template <class V>
  bool operator()(const V& v) const {
    return Op{}(v, value);
  }
};

template <class T>
struct InRange {
  T low;
  T high;
  template <class V>
  bool operator()(const V& v) const {
    return low <= v && v <= high;  // a NaN is in no range
  }
};

template <class T>
struct InSet {
  std::vector<T> sorted;
  template <class V>
  bool operator()(const V& v) const {
    auto it = std::lower_bound(sorted.begin(), sorted.end(), v);
    return it != sorted.end() && *it == v;  // not !(v < *it): a NaN is in no set
  }
};

template <>
struct InSet<bool> {
  bool acceptFalse = false;
  bool acceptTrue = false;
  bool operator()(bool v) const { return v ? acceptTrue : acceptFalse; }
};

// Whether `part` is at `at` in `whole` (the caller checked the length). A loop rather than
// memcmp: filter strings are short, and the library call costs more than the compare.
bool equalAt(std::string_view whole, std::size_t at, std::string_view part) {
  for (std::size_t i = 0; i < part.size(); ++i) {
    if (whole[at + i] != part[i]) return false;
  }
  return true;
}

struct HasText {
  TextOp op;
  std::string text;
  bool operator()(std::string_view v) const {
    if (v.size() < text.size()) return false;
    switch (op) {
      case TextOp::Prefix:
        return equalAt(v, 0, text);
      case TextOp::Suffix:
        return equalAt(v, v.size() - text.size(), text);
      case TextOp::Contains:
        return v.find(text) != std::string_view::npos;
    }
    return false;
  }
};

// ---- nodes ----

template <class Get, class Predicate>
class LeafNode final : public Node {
 public:
  LeafNode(const FieldPath& path, Predicate predicate)
      : m_path(path), m_predicate(std::move(predicate)) {}
  bool eval(Context& context) const override { return m_path.test<Get>(context, m_predicate); }

 private:
  Path m_path;
  Predicate m_predicate;
};

template <class Get, class Predicate>
NodePtr leaf(const FieldPath& path, Predicate predicate) {
  return std::make_unique<LeafNode<Get, Predicate>>(path, std::move(predicate));
}

template <bool kAll>
class ListNode final : public Node {
 public:
  explicit ListNode(std::vector<NodePtr> operands) : m_operands(std::move(operands)) {}
  bool eval(Context& context) const override {
    for (const NodePtr& operand : m_operands) {
      if (operand->eval(context) != kAll) return !kAll;
    }
    return kAll;
  }

 private:
  std::vector<NodePtr> m_operands;
};

class NotNode final : public Node {
 public:
  explicit NotNode(NodePtr operand) : m_operand(std::move(operand)) {}
  bool eval(Context& context) const override { return !m_operand->eval(context); }

 private:
  NodePtr m_operand;
};

class AnyNode final : public Node {
 public:
  AnyNode(const FieldPath& repeated, std::size_t scope, NodePtr predicate)
      : m_repeated(repeated),
        m_scope(scope),
        m_predicate(std::move(predicate)),
        m_messages(repeated.leaf->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {}

  bool eval(Context& context) const override {
    const Message& message = m_repeated.holder(context);
    const Reflection& reflection = m_repeated.reflection(context, message);
    const FieldDescriptor* field = m_repeated.leaf();
    const int size = reflection.FieldSize(message, field);
    for (int i = 0; i < size; ++i) {
      context.scopes[m_scope] = m_messages
                                    ? Scope{&reflection.GetRepeatedMessage(message, field, i), -1}
                                    : Scope{&message, i};
      if (m_predicate->eval(context)) return true;
    }
    return false;
  }

 private:
  Path m_repeated;
  std::size_t m_scope;
  NodePtr m_predicate;
  bool m_messages;
};

}  // namespace

const Reflection* generatedReflection(const Descriptor& type) {
  const Message* prototype = MessageFactory::generated_factory()->GetPrototype(&type);
  return prototype != nullptr ? prototype->GetReflection() : nullptr;
}

Path::Path(const FieldPath& path)
    : m_scope(path.scope),
      m_leaf(path.leaf),
      m_element(path.element),
      m_reflection(generatedReflection(*path.leaf->containing_type())),
      m_fast(path.element ? FastRead{} : fastRead(*path.leaf)) {
  m_steps.reserve(path.messages.size());
  for (const FieldDescriptor* field : path.messages) {
    m_steps.push_back(
        {field, generatedReflection(*field->containing_type()), fastRead(*field).message});
  }
}

Entry::Entry(const Descriptor& root, const FieldDescriptor* payload)
    : m_root(&root),
      m_payload(payload),
      m_prototype(MessageFactory::generated_factory()->GetPrototype(&root)),
      m_reflection(generatedReflection(root)),
      m_fastPayload(payload != nullptr ? fastRead(*payload).message : nullptr) {}

bool Entry::enter(const Message& message, Context& context) const {
  // typeid: about 1 ns; GetDescriptor() or GetReflection(): about 15 (a call_once inside).
  context.generated = m_prototype != nullptr && typeid(message) == typeid(*m_prototype);
  if (!context.generated && message.GetDescriptor() != m_root) return false;
  context.scopes[kRootScope] = {&message, -1};
  const Message* payload = &message;
  if (m_payload != nullptr) {
    if (!context.generated) {
      payload = &message.GetReflection()->GetMessage(message, m_payload);
    } else if (m_fastPayload != nullptr) {
      payload = &m_fastPayload(message);
    } else {
      payload = &m_reflection->GetMessage(message, m_payload);
    }
  }
  context.scopes[kPayloadScope] = {payload, -1};
  return true;
}

NodePtr makeCompare(const FieldPath& path, CompareOp op, Constant value) {
  const FieldDescriptor& field = *path.leaf;
  return withGetter(field, [&](auto get) -> NodePtr {
    using Get = decltype(get);
    using T = typename Get::Domain;
    T v = std::get<T>(std::move(value));
    switch (op) {
      case CompareOp::Equal:
        return leaf<Get>(path, Compare<std::equal_to<>, T>{std::move(v)});
      case CompareOp::NotEqual:
        return leaf<Get>(path, Compare<std::not_equal_to<>, T>{std::move(v)});
      case CompareOp::Less:
        return leaf<Get>(path, Compare<std::less<>, T>{std::move(v)});
      case CompareOp::LessEqual:
        return leaf<Get>(path, Compare<std::less_equal<>, T>{std::move(v)});
      case CompareOp::Greater:
        return leaf<Get>(path, Compare<std::greater<>, T>{std::move(v)});
      case CompareOp::GreaterEqual:
        return leaf<Get>(path, Compare<std::greater_equal<>, T>{std::move(v)});
    }
    return nullptr;
  });
}

NodePtr makeRange(const FieldPath& path, Constant low, Constant high) {
  const FieldDescriptor& field = *path.leaf;
  return withGetter(field, [&](auto get) -> NodePtr {
    using Get = decltype(get);
    using T = typename Get::Domain;
    return leaf<Get>(path, InRange<T>{std::get<T>(std::move(low)), std::get<T>(std::move(high))});
  });
}

NodePtr makeSet(const FieldPath& path, std::vector<Constant> values) {
  const FieldDescriptor& field = *path.leaf;
  return withGetter(field, [&](auto get) -> NodePtr {
    using Get = decltype(get);
    using T = typename Get::Domain;
    InSet<T> set;
    if constexpr (std::is_same_v<T, bool>) {
      for (const Constant& value : values)
        (std::get<bool>(value) ? set.acceptTrue : set.acceptFalse) = true;
    } else {
      set.sorted.reserve(values.size());
      for (Constant& value : values)
        set.sorted.push_back(std::get<T>(std::move(value)));
      std::sort(set.sorted.begin(), set.sorted.end());
      set.sorted.erase(std::unique(set.sorted.begin(), set.sorted.end()), set.sorted.end());
    }
    return leaf<Get>(path, std::move(set));
  });
}

NodePtr makeText(const FieldPath& path, TextOp op, std::string value) {
  return leaf<GetString>(path, HasText{op, std::move(value)});
}

NodePtr makeAnd(std::vector<NodePtr> operands) {
  return std::make_unique<ListNode<true>>(std::move(operands));
}

NodePtr makeOr(std::vector<NodePtr> operands) {
  return std::make_unique<ListNode<false>>(std::move(operands));
}

NodePtr makeNot(NodePtr operand) {
  return std::make_unique<NotNode>(std::move(operand));
}

NodePtr makeAny(const FieldPath& repeated, std::size_t scope, NodePtr predicate) {
  return std::make_unique<AnyNode>(repeated, scope, std::move(predicate));
}

}  // namespace plexus::filter
