#include "filter/type_check.h"

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "filter/literals.h"

namespace plexus::filter {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

constexpr const char* kItName = "it";
constexpr const char* kSourceName = "source";

bool isOrdering(CompareOp op) {
  return op != CompareOp::Equal && op != CompareOp::NotEqual;
}

bool isUnordered(const FieldDescriptor& field) {
  return field.cpp_type() == FieldDescriptor::CPPTYPE_BOOL ||
         field.cpp_type() == FieldDescriptor::CPPTYPE_ENUM;
}

// A path resolved: where it reads, and the field it ends at (for `it`: the repeated field whose
// element it is, with repeated = false).
struct Resolved {
  FieldPath path;
  const FieldDescriptor* field = nullptr;
  bool repeated = false;
  std::string text;  // as written
  std::size_t column = 0;
};

class Checker {
 public:
  Checker(const Descriptor& root, const FieldDescriptor* payload)
      : m_root(root),
        m_base(payload != nullptr ? *payload->message_type() : root),
        m_sourceInRoot(payload != nullptr && m_base.FindFieldByName(kSourceName) == nullptr &&
                       root.FindFieldByName(kSourceName) != nullptr) {}

  std::variant<NodePtr, FilterError> run(const Syntax& tree) {
    NodePtr node = check(tree);
    if (!node) return std::move(m_error);
    return node;
  }

 private:
  // Records the first error; returns null so callers can `return fail(...)`.
  std::nullptr_t fail(std::size_t column, std::string message) {
    if (m_error.message.empty()) m_error = FilterError{column, std::move(message)};
    return nullptr;
  }

  // Recursion follows the syntax tree, whose nesting the parser bounds.
  NodePtr check(const Syntax& node) {
    switch (node.kind) {
      case SyntaxKind::Or:
      case SyntaxKind::And: {
        std::vector<NodePtr> operands;
        operands.reserve(node.children.size());
        for (const auto& child : node.children) {
          NodePtr operand = check(*child);
          if (!operand) return nullptr;
          operands.push_back(std::move(operand));
        }
        return node.kind == SyntaxKind::Or ? makeOr(std::move(operands))
                                           : makeAnd(std::move(operands));
      }
      case SyntaxKind::Not: {
        NodePtr operand = check(*node.children.front());
        return operand ? makeNot(std::move(operand)) : nullptr;
      }
      case SyntaxKind::Any:
        return any(node);
      case SyntaxKind::Compare:
      case SyntaxKind::Range:
      case SyntaxKind::Set:
      case SyntaxKind::Text:
        return comparison(node);
    }
    return nullptr;
  }

  NodePtr any(const Syntax& node) {
    Resolved target;
    if (!resolve(node.path, target)) return nullptr;
    if (!target.repeated) {
      return fail(target.column, "any() takes a repeated field; '" + target.text + "' is " +
                                     (target.path.element || target.path.leaf == nullptr
                                          ? std::string("an element")
                                          : typeName(*target.field)));
    }
    const std::size_t scope = 2 + m_elements.size();
    m_elements.push_back({target.field, scope});
    NodePtr predicate = check(*node.children.front());
    m_elements.pop_back();
    if (!predicate) return nullptr;
    return makeAny(target.path, scope, std::move(predicate));
  }

  NodePtr comparison(const Syntax& node) {
    Resolved target;
    if (!resolve(node.path, target)) return nullptr;
    const FieldDescriptor& field = *target.field;
    if (target.repeated) {
      return fail(target.column, "'" + target.text +
                                     "' is repeated: compare its elements with any(" + target.text +
                                     ", ...)");
    }
    if (field.cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      return fail(target.column,
                  "'" + target.text + "' is a " + typeName(field) + ": compare one of its fields");
    }
    if (auto error = operatorError(node, field, target.text)) {
      return fail(node.column, std::move(*error));
    }
    if (node.kind == SyntaxKind::Text) {  // the parser took a string literal
      return makeText(target.path, node.textOp, node.literals.front().text);
    }
    std::vector<Constant> values;
    values.reserve(node.literals.size());
    for (const LiteralSyntax& literal : node.literals) {
      auto converted = convertLiteral(literal, field, target.text);
      if (auto* error = std::get_if<FilterError>(&converted)) {
        return fail(error->column, std::move(error->message));
      }
      values.push_back(std::move(std::get<Constant>(converted)));
    }
    switch (node.kind) {
      case SyntaxKind::Compare:
        return makeCompare(target.path, node.compareOp, std::move(values.front()));
      case SyntaxKind::Range:
        if (values[1] < values[0]) {  // the same alternative: compares the values
          return fail(node.openColumn, "empty range: " + node.literals[0].text + " is above " +
                                           node.literals[1].text);
        }
        return makeRange(target.path, std::move(values[0]), std::move(values[1]));
      default:
        return makeSet(target.path, std::move(values));
    }
  }

  // An operator that does not apply to the field's type, at the operator's column.
  static std::optional<std::string> operatorError(const Syntax& node, const FieldDescriptor& field,
                                                  const std::string& path) {
    const std::string what = "'" + path + "' (" + typeName(field) + ")";
    if (node.kind == SyntaxKind::Compare && isOrdering(node.compareOp) && isUnordered(field)) {
      return "'" + std::string(spelling(node.compareOp)) + "' does not order " + what +
             ": use == or !=";
    }
    if (node.kind == SyntaxKind::Range && isUnordered(field)) {
      return "a range does not order " + what + ": use a set {...}";
    }
    if (node.kind == SyntaxKind::Text && field.cpp_type() != FieldDescriptor::CPPTYPE_STRING) {
      return "'" + std::string(spelling(node.textOp)) + "' takes a string or bytes field, not " +
             what;
    }
    return std::nullopt;
  }

  // The scope and message a path's first name resolves in; `first` is the index of the first
  // name still to resolve as a field.
  bool start(const PathSyntax& syntax, Resolved& out, const Descriptor*& message,
             std::size_t& first) {
    const auto& head = syntax.parts.front();
    first = 0;
    if (head.name == kItName && !m_elements.empty()) {
      const Element& element = m_elements.back();
      out.path.scope = element.scope;
      first = 1;
      if (element.field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        message = element.field->message_type();
        out.field = element.field;  // `it` alone: a message element
        return true;
      }
      if (syntax.parts.size() > 1) {
        fail(syntax.parts[1].column, "'it' is a " + typeName(*element.field) +
                                         " element: it has no field '" + syntax.parts[1].name +
                                         "'");
        return false;
      }
      out.path.leaf = element.field;
      out.path.element = true;
      out.field = element.field;
      message = nullptr;
      return true;
    }
    if (head.name == kSourceName && m_sourceInRoot) {
      out.path.scope = kRootScope;
      message = &m_root;
      return true;
    }
    out.path.scope = kPayloadScope;
    message = &m_base;
    return true;
  }

  bool resolve(const PathSyntax& syntax, Resolved& out) {
    out.text = syntax.text();
    out.column = syntax.column();
    const Descriptor* message = nullptr;
    std::size_t i = 0;
    if (!start(syntax, out, message, i)) return false;
    for (; i < syntax.parts.size(); ++i) {
      const auto& part = syntax.parts[i];
      const FieldDescriptor* field = message->FindFieldByName(part.name);
      if (field == nullptr) {
        fail(part.column, "unknown field '" + part.name + "' in " + message->full_name());
        return false;
      }
      if (i + 1 == syntax.parts.size()) {
        out.path.leaf = field;
        out.field = field;
        out.repeated = field->is_repeated();
        return true;
      }
      if (field->is_repeated()) {
        fail(part.column, "'" + part.name + "' is repeated: reach its elements with any(" +
                              part.name + ", it." + syntax.parts[i + 1].name + " ...)");
        return false;
      }
      if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
        fail(syntax.parts[i + 1].column, "'" + part.name + "' is " + typeName(*field) +
                                             ": it has no field '" + syntax.parts[i + 1].name +
                                             "'");
        return false;
      }
      out.path.messages.push_back(field);
      message = field->message_type();
    }
    return true;  // `it` alone
  }

  struct Element {
    const FieldDescriptor* field;  // the repeated field any() walks
    std::size_t scope;
  };

  const Descriptor& m_root;
  const Descriptor& m_base;
  const bool m_sourceInRoot;
  std::vector<Element> m_elements;  // the enclosing any()s, innermost last
  FilterError m_error;
};

}  // namespace

std::variant<NodePtr, FilterError> typeCheck(const Syntax& tree, const Descriptor& root,
                                             const FieldDescriptor* payload) {
  return Checker(root, payload).run(tree);
}

}  // namespace plexus::filter
