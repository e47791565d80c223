#pragma once

// The filter language's tokens (docs/filters.md): identifiers and keywords, literals,
// punctuation and comparison operators, each with its 1-based column. The lexer refuses what no
// token can start with, unterminated strings, unknown escapes and numbers out of range, and
// returns the first such error.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "filter/filter.h"

namespace plexus::filter {

enum class TokenKind {
  Identifier,  // a field name, an enum value name or `it`
  String,      // "..." with its escapes resolved in `text`
  Integer,     // [-]digits: `negative` and `magnitude`
  Decimal,     // [-]digits with '.' digits and/or an exponent: `decimal`
  // Keywords (lower case only; `AND` is an identifier).
  And,
  Or,
  Not,
  In,
  Prefix,
  Suffix,
  Contains,
  Any,
  True,
  False,
  // Punctuation.
  LeftParen,
  RightParen,
  LeftBracket,
  RightBracket,
  LeftBrace,
  RightBrace,
  Comma,
  Dot,
  // Comparisons.
  Equal,
  NotEqual,
  Less,
  LessEqual,
  Greater,
  GreaterEqual,
  End,  // after the last token; its column is one past the text
};

struct Token {
  TokenKind kind = TokenKind::End;
  std::size_t column = 0;
  std::string text;  // identifier, string value, or the source spelling of a number
  bool negative = false;
  std::uint64_t magnitude = 0;  // Integer: the absolute value
  double decimal = 0;           // Decimal: the value
};

// How a token reads in an error message: 'fee', "ab", 12, 'and', the end.
std::string spell(const Token& token);

// The tokens of `text`, ending with an End token, or the first error.
std::variant<std::vector<Token>, FilterError> tokenize(std::string_view text);

}  // namespace plexus::filter
