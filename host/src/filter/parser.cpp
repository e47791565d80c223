#include "filter/parser.h"

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "filter/lexer.h"

namespace plexus::filter {

std::string PathSyntax::text() const {
  std::string out;
  for (const Part& part : parts) {
    if (!out.empty()) out += '.';
    out += part.name;
  }
  return out;
}

namespace {

using Node = std::unique_ptr<Syntax>;

bool isComparison(TokenKind kind) {
  return kind == TokenKind::Equal || kind == TokenKind::NotEqual || kind == TokenKind::Less ||
         kind == TokenKind::LessEqual || kind == TokenKind::Greater ||
         kind == TokenKind::GreaterEqual;
}

CompareOp compareOpOf(TokenKind kind) {
  switch (kind) {
    case TokenKind::NotEqual:
      return CompareOp::NotEqual;
    case TokenKind::Less:
      return CompareOp::Less;
    case TokenKind::LessEqual:
      return CompareOp::LessEqual;
    case TokenKind::Greater:
      return CompareOp::Greater;
    case TokenKind::GreaterEqual:
      return CompareOp::GreaterEqual;
    default:
      return CompareOp::Equal;
  }
}

bool isLiteral(TokenKind kind) {
  return kind == TokenKind::String || kind == TokenKind::Integer || kind == TokenKind::Decimal ||
         kind == TokenKind::True || kind == TokenKind::False || kind == TokenKind::Identifier;
}

// After a '.', a keyword is a field name like any other (`a.in`).
bool isName(TokenKind kind) {
  return kind == TokenKind::Identifier || (kind >= TokenKind::And && kind <= TokenKind::False);
}

Node makeNode(SyntaxKind kind, std::size_t column) {
  auto node = std::make_unique<Syntax>();
  node->kind = kind;
  node->column = column;
  return node;
}

// Recursive descent; every function returns null after the first error (kept in m_error).
class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : m_tokens(std::move(tokens)) {}

  std::variant<Node, FilterError> run() {
    Node root = orExpression();
    if (root && peek().kind != TokenKind::End) {
      if (peek().kind == TokenKind::RightParen) {
        fail(peek().column, "unbalanced ')': no '(' before it");
      } else {
        fail(peek().column, "unexpected " + spell(peek()) + " after the expression");
      }
      root = nullptr;
    }
    if (!root) return std::move(m_error);
    return root;
  }

 private:
  const Token& peek() const { return m_tokens[m_pos]; }
  const Token& take() {
    const Token& token = m_tokens[m_pos];
    if (token.kind != TokenKind::End) ++m_pos;
    return token;
  }

  Node fail(std::size_t column, std::string message) {
    if (m_error.message.empty()) m_error = FilterError{column, std::move(message)};
    return nullptr;
  }

  // '(', 'not' and 'any' open a level; the parser recurses once per level.
  bool enter(const Token& token) {
    if (++m_depth <= kMaxFilterDepth) return true;
    fail(token.column, "nesting deeper than " + std::to_string(kMaxFilterDepth) + " levels");
    return false;
  }

  // A closing token that must come: its absence at the end is an unbalanced opener.
  bool expectClose(TokenKind kind, std::string_view close, const Token& opener) {
    if (peek().kind == kind) {
      take();
      return true;
    }
    if (peek().kind == TokenKind::End) {
      fail(opener.column,
           "unbalanced '" + opener.text + "': no matching '" + std::string(close) + "'");
    } else {
      fail(peek().column, "expected '" + std::string(close) + "', found " + spell(peek()));
    }
    return false;
  }

  // or_expr = and_expr { "or" and_expr }   (and_expr alike with unary)
  Node orExpression() { return chain(TokenKind::Or, SyntaxKind::Or); }
  Node andExpression() { return chain(TokenKind::And, SyntaxKind::And); }

  Node chain(TokenKind separator, SyntaxKind kind) {
    Node first = kind == SyntaxKind::Or ? andExpression() : unary();
    if (!first || peek().kind != separator) return first;
    Node list = makeNode(kind, peek().column);
    list->children.push_back(std::move(first));
    while (peek().kind == separator) {
      take();
      Node next = kind == SyntaxKind::Or ? andExpression() : unary();
      if (!next) return nullptr;
      list->children.push_back(std::move(next));
    }
    return list;
  }

  // unary = "not" unary | primary
  Node unary() {
    if (peek().kind != TokenKind::Not) return primary();
    const Token& notToken = take();
    if (!enter(notToken)) return nullptr;
    Node node = makeNode(SyntaxKind::Not, notToken.column);
    Node operand = unary();
    if (!operand) return nullptr;
    node->children.push_back(std::move(operand));
    --m_depth;
    return node;
  }

  // primary = "(" or_expr ")" | any | comparison
  Node primary() {
    switch (peek().kind) {
      case TokenKind::LeftParen: {
        const Token& open = take();
        if (!enter(open)) return nullptr;
        Node inner = orExpression();
        if (!inner || !expectClose(TokenKind::RightParen, ")", open)) return nullptr;
        --m_depth;
        return inner;
      }
      case TokenKind::Any:
        return anyExpression();
      case TokenKind::Identifier:
        return comparison();
      default:
        return fail(peek().column,
                    "expected a field path, '(', 'not' or 'any', found " + spell(peek()));
    }
  }

  // any = "any" "(" path "," or_expr ")"
  Node anyExpression() {
    const Token& anyToken = take();
    if (!enter(anyToken)) return nullptr;
    Node node = makeNode(SyntaxKind::Any, anyToken.column);
    if (peek().kind != TokenKind::LeftParen) {
      return fail(peek().column, "expected '(' after 'any', found " + spell(peek()));
    }
    const Token& open = take();
    if (!path(node->path)) return nullptr;
    if (peek().kind != TokenKind::Comma) {
      return fail(peek().column, "expected ',' after the path of any(), found " + spell(peek()));
    }
    take();
    Node predicate = orExpression();
    if (!predicate || !expectClose(TokenKind::RightParen, ")", open)) return nullptr;
    node->children.push_back(std::move(predicate));
    --m_depth;
    return node;
  }

  // path = identifier { "." name }
  bool path(PathSyntax& out) {
    if (peek().kind != TokenKind::Identifier) {
      fail(peek().column, "expected a field path, found " + spell(peek()));
      return false;
    }
    const Token& first = take();
    out.parts.push_back({first.text, first.column});
    while (peek().kind == TokenKind::Dot) {
      take();
      if (!isName(peek().kind)) {
        fail(peek().column, "expected a field name after '.', found " + spell(peek()));
        return false;
      }
      const Token& name = take();
      out.parts.push_back({name.text, name.column});
    }
    return true;
  }

  bool literal(std::vector<LiteralSyntax>& out) {
    if (!isLiteral(peek().kind)) {
      fail(peek().column, "expected a literal, found " + spell(peek()));
      return false;
    }
    out.push_back(take());
    return true;
  }

  // comparison = path ( cmp literal | "in" range | "in" set | text_op string )
  Node comparison() {
    PathSyntax target;
    if (!path(target)) return nullptr;
    const Token& op = peek();
    Node node = makeNode(SyntaxKind::Compare, op.column);
    node->path = std::move(target);
    if (isComparison(op.kind)) {
      node->compareOp = compareOpOf(take().kind);
      return literal(node->literals) ? std::move(node) : nullptr;
    }
    if (op.kind == TokenKind::Prefix || op.kind == TokenKind::Suffix ||
        op.kind == TokenKind::Contains) {
      node->kind = SyntaxKind::Text;
      node->textOp = op.kind == TokenKind::Prefix   ? TextOp::Prefix
                     : op.kind == TokenKind::Suffix ? TextOp::Suffix
                                                    : TextOp::Contains;
      take();
      if (peek().kind != TokenKind::String) {
        return fail(peek().column,
                    "'" + op.text + "' takes a string in double quotes, found " + spell(peek()));
      }
      node->literals.push_back(take());
      return node;
    }
    if (op.kind == TokenKind::In) {
      take();
      return membership(std::move(node));
    }
    return fail(op.column, "expected a comparison after '" + node->path.text() +
                               "' (== != < <= > >= in prefix suffix contains), found " + spell(op));
  }

  // range = "[" literal "," literal "]";  set = "{" literal { "," literal } "}"
  Node membership(Node node) {
    const Token& open = peek();
    node->openColumn = open.column;
    if (open.kind == TokenKind::LeftBracket) {
      node->kind = SyntaxKind::Range;
      take();
      if (!literal(node->literals)) return nullptr;
      if (peek().kind != TokenKind::Comma) {
        return fail(peek().column, "expected ',' in the range, found " + spell(peek()));
      }
      take();
      if (!literal(node->literals) || !expectClose(TokenKind::RightBracket, "]", open)) {
        return nullptr;
      }
      return node;
    }
    if (open.kind != TokenKind::LeftBrace) {
      return fail(open.column,
                  "expected '[lo, hi]' or '{v1, v2, ...}' after 'in', found " + spell(open));
    }
    node->kind = SyntaxKind::Set;
    take();
    if (peek().kind == TokenKind::RightBrace) return fail(open.column, "empty set");
    if (!literal(node->literals)) return nullptr;
    while (peek().kind == TokenKind::Comma) {
      take();
      if (!literal(node->literals)) return nullptr;
    }
    return expectClose(TokenKind::RightBrace, "}", open) ? std::move(node) : nullptr;
  }

  std::vector<Token> m_tokens;
  std::size_t m_pos = 0;
  std::size_t m_depth = 0;
  FilterError m_error;
};

}  // namespace

std::variant<std::unique_ptr<Syntax>, FilterError> parse(std::string_view text) {
  if (text.size() > kMaxFilterBytes) {
    return FilterError{kMaxFilterBytes + 1,
                       "filter longer than " + std::to_string(kMaxFilterBytes) + " bytes"};
  }
  auto tokens = tokenize(text);
  if (auto* error = std::get_if<FilterError>(&tokens)) return std::move(*error);
  auto& list = std::get<std::vector<Token>>(tokens);
  if (list.size() == 1) return FilterError{1, "empty filter"};
  return Parser(std::move(list)).run();
}

}  // namespace plexus::filter
