#include "filter/lexer.h"

#include <charconv>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

namespace plexus::filter {
namespace {

struct Keyword {
  std::string_view word;
  TokenKind kind;
};

constexpr Keyword kKeywords[] = {
    {"and", TokenKind::And},           {"or", TokenKind::Or},
    {"not", TokenKind::Not},           {"in", TokenKind::In},
    {"prefix", TokenKind::Prefix},     {"suffix", TokenKind::Suffix},
    {"contains", TokenKind::Contains}, {"any", TokenKind::Any},
    {"true", TokenKind::True},         {"false", TokenKind::False},
};

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}
bool isIdentifierStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool isIdentifierChar(char c) {
  return isIdentifierStart(c) || isDigit(c);
}
bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// A character as an error message shows it: 'x', or its code when it does not print.
std::string quoteChar(char c) {
  const auto byte = static_cast<unsigned char>(c);
  if (byte >= 0x20 && byte < 0x7f) return std::string("'") + c + "'";
  static constexpr char kHex[] = "0123456789abcdef";
  return std::string("byte 0x") + kHex[byte >> 4] + kHex[byte & 0xf];
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : m_text(text) {}

  std::variant<std::vector<Token>, FilterError> run() {
    std::vector<Token> tokens;
    while (true) {
      while (m_pos < m_text.size() && isSpace(m_text[m_pos]))
        ++m_pos;
      Token token;
      token.column = m_pos + 1;
      if (m_pos == m_text.size()) {
        tokens.push_back(std::move(token));
        return tokens;
      }
      if (!next(token)) return std::move(m_error);
      tokens.push_back(std::move(token));
    }
  }

 private:
  bool fail(std::size_t column, std::string message) {
    m_error = FilterError{column, std::move(message)};
    return false;
  }

  char peek(std::size_t ahead = 0) const {
    return m_pos + ahead < m_text.size() ? m_text[m_pos + ahead] : '\0';
  }

  bool next(Token& token) {
    const char c = m_text[m_pos];
    if (isIdentifierStart(c)) return identifier(token);
    if (isDigit(c) || (c == '-' && isDigit(peek(1)))) return number(token);
    if (c == '"') return string(token);
    return punctuation(token);
  }

  bool identifier(Token& token) {
    const std::size_t start = m_pos;
    while (m_pos < m_text.size() && isIdentifierChar(m_text[m_pos]))
      ++m_pos;
    token.text = std::string(m_text.substr(start, m_pos - start));
    token.kind = TokenKind::Identifier;
    for (const Keyword& keyword : kKeywords) {
      if (keyword.word == token.text) token.kind = keyword.kind;
    }
    return true;
  }

  bool number(Token& token) {
    const std::size_t start = m_pos;
    token.negative = m_text[m_pos] == '-';
    if (token.negative) ++m_pos;
    const std::size_t digits = m_pos;
    while (isDigit(peek()))
      ++m_pos;
    const std::size_t digitsEnd = m_pos;
    bool decimal = false;
    if (peek() == '.' && isDigit(peek(1))) {
      decimal = true;
      m_pos += 2;
      while (isDigit(peek()))
        ++m_pos;
    }
    if (peek() == 'e' || peek() == 'E') {
      const std::size_t sign = (peek(1) == '+' || peek(1) == '-') ? 1 : 0;
      if (isDigit(peek(1 + sign))) {
        decimal = true;
        m_pos += 1 + sign;
        while (isDigit(peek()))
          ++m_pos;
      }
    }
    token.text = std::string(m_text.substr(start, m_pos - start));
    if (isIdentifierChar(peek()) || peek() == '.') {
      return fail(token.column, "malformed number starting '" + token.text + "'");
    }
    if (decimal) {
      token.kind = TokenKind::Decimal;
      const char* first = m_text.data() + start;
      const char* last = m_text.data() + m_pos;
      const auto [end, error] = std::from_chars(first, last, token.decimal);
      if (error != std::errc() || end != last || !std::isfinite(token.decimal)) {
        return fail(token.column, "number " + token.text + " is out of range");
      }
      return true;
    }
    token.kind = TokenKind::Integer;
    const auto [end, error] =
        std::from_chars(m_text.data() + digits, m_text.data() + digitsEnd, token.magnitude);
    constexpr std::uint64_t kMostNegative =
        static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) + 1;
    if (error != std::errc() || (token.negative && token.magnitude > kMostNegative)) {
      return fail(token.column, "integer " + token.text + " is out of range");
    }
    if (token.magnitude == 0) token.negative = false;  // -0 is 0
    return true;
  }

  bool string(Token& token) {
    token.kind = TokenKind::String;
    ++m_pos;  // the opening quote
    while (m_pos < m_text.size()) {
      const char c = m_text[m_pos];
      if (c == '"') {
        ++m_pos;
        return true;
      }
      if (c != '\\') {
        token.text += c;
        ++m_pos;
        continue;
      }
      const char escaped = peek(1);
      switch (escaped) {
        case '"':
        case '\\':
          token.text += escaped;
          break;
        case 'n':
          token.text += '\n';
          break;
        case 't':
          token.text += '\t';
          break;
        default:
          if (m_pos + 1 == m_text.size()) break;  // unterminated, below
          return fail(m_pos + 1, "unknown escape '\\" + std::string(1, escaped) +
                                     "' (use \\\" \\\\ \\n or \\t)");
      }
      m_pos += 2;
    }
    return fail(token.column, "unterminated string");
  }

  bool punctuation(Token& token) {
    const char c = m_text[m_pos];
    const bool equalNext = peek(1) == '=';
    std::size_t length = 1;
    switch (c) {
      case '(':
        token.kind = TokenKind::LeftParen;
        break;
      case ')':
        token.kind = TokenKind::RightParen;
        break;
      case '[':
        token.kind = TokenKind::LeftBracket;
        break;
      case ']':
        token.kind = TokenKind::RightBracket;
        break;
      case '{':
        token.kind = TokenKind::LeftBrace;
        break;
      case '}':
        token.kind = TokenKind::RightBrace;
        break;
      case ',':
        token.kind = TokenKind::Comma;
        break;
      case '.':
        token.kind = TokenKind::Dot;
        break;
      case '<':
        token.kind = equalNext ? TokenKind::LessEqual : TokenKind::Less;
        length = equalNext ? 2 : 1;
        break;
      case '>':
        token.kind = equalNext ? TokenKind::GreaterEqual : TokenKind::Greater;
        length = equalNext ? 2 : 1;
        break;
      case '=':
        if (!equalNext) return fail(token.column, "unexpected '=' (compare with '==')");
        token.kind = TokenKind::Equal;
        length = 2;
        break;
      case '!':
        if (!equalNext) return fail(token.column, "unexpected '!' (negate with 'not')");
        token.kind = TokenKind::NotEqual;
        length = 2;
        break;
      default:
        return fail(token.column, "unexpected " + quoteChar(c));
    }
    token.text = std::string(m_text.substr(m_pos, length));
    m_pos += length;
    return true;
  }

  std::string_view m_text;
  std::size_t m_pos = 0;
  FilterError m_error;
};

}  // namespace

std::string spell(const Token& token) {
  switch (token.kind) {
    case TokenKind::End:
      return "the end";
    case TokenKind::String:
      return "string \"" + token.text + "\"";
    case TokenKind::Integer:
    case TokenKind::Decimal:
      return token.text;
    default:
      return "'" + token.text + "'";
  }
}

std::variant<std::vector<Token>, FilterError> tokenize(std::string_view text) {
  return Lexer(text).run();
}

}  // namespace plexus::filter
