#pragma once

// The filter language's syntax tree and its parser (grammar: docs/filters.md). The parser
// checks the syntax only; names and literals are resolved against descriptors by the type
// checker (type_check.h). It recurses at most kMaxFilterDepth levels: '(', 'not' and 'any'
// each open one, and a deeper filter is refused; 'and'/'or' chains are flat lists.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "filter/filter.h"
#include "filter/lexer.h"
#include "filter/operators.h"

namespace plexus::filter {

// A field path: `a.b.c`, or `it` / `it.x` inside any().
struct PathSyntax {
  struct Part {
    std::string name;
    std::size_t column = 0;
  };
  std::vector<Part> parts;  // never empty
  std::size_t column() const { return parts.front().column; }
  std::string text() const;  // "a.b.c"
};

// A literal as written: its token (String, Integer, Decimal, True, False, or an Identifier
// naming an enum value).
using LiteralSyntax = Token;

enum class SyntaxKind {
  Or,       // children: two or more operands
  And,      // children: two or more operands
  Not,      // children: one operand
  Any,      // path: the repeated field; children: the predicate on `it`
  Compare,  // path compareOp literals[0]
  Range,    // path in [literals[0], literals[1]]
  Set,      // path in {literals...} (at least one)
  Text,     // path textOp literals[0] (a string)
};

struct Syntax {
  SyntaxKind kind = SyntaxKind::Compare;
  std::size_t column = 0;      // the operator: 'or', 'and', 'not', 'any', '==', 'in', 'prefix'
  std::size_t openColumn = 0;  // Range and Set: the '[' or '{'
  std::vector<std::unique_ptr<Syntax>> children;
  PathSyntax path;
  CompareOp compareOp = CompareOp::Equal;
  TextOp textOp = TextOp::Prefix;
  std::vector<LiteralSyntax> literals;
};

// The syntax tree of `text`, or the first error. Refuses empty text, text over
// kMaxFilterBytes and nesting over kMaxFilterDepth.
std::variant<std::unique_ptr<Syntax>, FilterError> parse(std::string_view text);

}  // namespace plexus::filter
