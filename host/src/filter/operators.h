#pragma once

// The comparison and text operators, shared by the syntax tree (parser.h) and the compiled
// nodes (compiled_nodes.h).

#include <string_view>

namespace plexus::filter {

enum class CompareOp { Equal, NotEqual, Less, LessEqual, Greater, GreaterEqual };
enum class TextOp { Prefix, Suffix, Contains };

constexpr std::string_view spelling(CompareOp op) {
  switch (op) {
    case CompareOp::Equal:
      return "==";
    case CompareOp::NotEqual:
      return "!=";
    case CompareOp::Less:
      return "<";
    case CompareOp::LessEqual:
      return "<=";
    case CompareOp::Greater:
      return ">";
    case CompareOp::GreaterEqual:
      return ">=";
  }
  return "?";
}

constexpr std::string_view spelling(TextOp op) {
  switch (op) {
    case TextOp::Prefix:
      return "prefix";
    case TextOp::Suffix:
      return "suffix";
    case TextOp::Contains:
      return "contains";
  }
  return "?";
}

}  // namespace plexus::filter
