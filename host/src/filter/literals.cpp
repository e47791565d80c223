#include "filter/literals.h"

#include <cctype>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <variant>

namespace plexus::filter {
namespace {

using google::protobuf::EnumDescriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;

using Converted = std::variant<Constant, FilterError>;

// The prefix protobuf's style guide gives an enum's values: Urgency -> URGENCY_,
// MaintenanceOperation -> MAINTENANCE_OPERATION_.
std::string valuePrefix(const EnumDescriptor& type) {
  std::string prefix;
  const std::string& name = type.name();
  for (std::size_t i = 0; i < name.size(); ++i) {
    const auto c = static_cast<unsigned char>(name[i]);
    if (i > 0 && std::isupper(c) && !std::isupper(static_cast<unsigned char>(name[i - 1]))) {
      prefix += '_';
    }
    prefix += static_cast<char>(std::toupper(c));
  }
  return prefix + "_";
}

class Converter {
 public:
  Converter(const LiteralSyntax& literal, const FieldDescriptor& field, std::string_view path)
      : m_literal(literal), m_field(field), m_path(path) {}

  Converted run() {
    switch (m_field.cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
      case FieldDescriptor::CPPTYPE_INT64:
        return signedInteger();
      case FieldDescriptor::CPPTYPE_UINT32:
      case FieldDescriptor::CPPTYPE_UINT64:
        return unsignedInteger();
      case FieldDescriptor::CPPTYPE_FLOAT:
      case FieldDescriptor::CPPTYPE_DOUBLE:
        return floating();
      case FieldDescriptor::CPPTYPE_BOOL:
        return boolean();
      case FieldDescriptor::CPPTYPE_ENUM:
        return enumValue();
      case FieldDescriptor::CPPTYPE_STRING:
        return string();
      case FieldDescriptor::CPPTYPE_MESSAGE:
        break;
    }
    return fail("is a message: compare one of its fields");
  }

 private:
  FilterError fail(const std::string& why) const {
    return FilterError{m_literal.column, "'" + std::string(m_path) + "' " + why};
  }
  FilterError mismatch() const {
    return fail("is " + typeName(m_field) + ": it cannot be compared with " + what(m_literal.kind));
  }
  FilterError outOfRange() const {
    return fail("is " + typeName(m_field) + ": " + m_literal.text + " is out of its range");
  }

  std::string what(TokenKind kind) const {
    switch (kind) {
      case TokenKind::String:
        return "string \"" + m_literal.text + "\"";
      case TokenKind::Identifier:
        return "the name " + m_literal.text + " (strings are in double quotes)";
      case TokenKind::Decimal:
        return "the non-integer " + m_literal.text;
      default:
        return m_literal.text;
    }
  }

  Converted signedInteger() const {
    if (m_literal.kind != TokenKind::Integer) return mismatch();
    const bool narrow = m_field.cpp_type() == FieldDescriptor::CPPTYPE_INT32;
    const std::uint64_t limit =
        narrow ? static_cast<std::uint64_t>(std::numeric_limits<std::int32_t>::max())
               : static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    // The most negative value is one further than the most positive.
    if (m_literal.magnitude > limit + (m_literal.negative ? 1 : 0)) return outOfRange();
    if (!m_literal.negative) return Constant(static_cast<std::int64_t>(m_literal.magnitude));
    // -(magnitude - 1) - 1: no overflow at the most negative int64.
    return Constant(-static_cast<std::int64_t>(m_literal.magnitude - 1) - 1);
  }

  Converted unsignedInteger() const {
    if (m_literal.kind != TokenKind::Integer) return mismatch();
    if (m_literal.negative) {
      return fail("is " + typeName(m_field) + ": " + m_literal.text + " is negative");
    }
    if (m_field.cpp_type() == FieldDescriptor::CPPTYPE_UINT32 &&
        m_literal.magnitude > std::numeric_limits<std::uint32_t>::max()) {
      return outOfRange();
    }
    return Constant(m_literal.magnitude);
  }

  Converted floating() const {
    double value = 0;
    if (m_literal.kind == TokenKind::Decimal) {
      value = m_literal.decimal;
    } else if (m_literal.kind == TokenKind::Integer) {
      value = static_cast<double>(m_literal.magnitude);
      if (m_literal.negative) value = -value;
    } else {
      return mismatch();
    }
    if (m_field.cpp_type() == FieldDescriptor::CPPTYPE_FLOAT) {
      if (std::fabs(value) > std::numeric_limits<float>::max()) return outOfRange();
      value = static_cast<double>(static_cast<float>(value));
    }
    return Constant(value);
  }

  Converted boolean() const {
    if (m_literal.kind == TokenKind::True) return Constant(true);
    if (m_literal.kind == TokenKind::False) return Constant(false);
    return mismatch();
  }

  Converted enumValue() const {
    const EnumDescriptor& type = *m_field.enum_type();
    if (m_literal.kind != TokenKind::Identifier) {
      return fail("is " + typeName(m_field) + ": compare it with a value name, not " +
                  what(m_literal.kind));
    }
    const EnumValueDescriptor* value = type.FindValueByName(m_literal.text);
    if (value == nullptr) value = type.FindValueByName(valuePrefix(type) + m_literal.text);
    if (value == nullptr) {
      return FilterError{m_literal.column,
                         "unknown value '" + m_literal.text + "' of " + type.full_name()};
    }
    return Constant(static_cast<std::int64_t>(value->number()));
  }

  Converted string() const {
    if (m_literal.kind != TokenKind::String) return mismatch();
    return Constant(m_literal.text);
  }

  const LiteralSyntax& m_literal;
  const FieldDescriptor& m_field;
  std::string_view m_path;
};

}  // namespace

std::string typeName(const FieldDescriptor& field) {
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_ENUM:
      return "enum " + field.enum_type()->full_name();
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return "message " + field.message_type()->full_name();
    default:
      return field.type_name();
  }
}

std::variant<Constant, FilterError> convertLiteral(const LiteralSyntax& literal,
                                                   const FieldDescriptor& field,
                                                   std::string_view path) {
  return Converter(literal, field, path).run();
}

}  // namespace plexus::filter
