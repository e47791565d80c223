// The filter parser: every operator and literal, precedence and parentheses, and every syntax
// error with its column (host/src/filter/parser.h, lexer.h).

#include "filter/parser.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <variant>

#include "filter/lexer.h"

namespace plexus::filter {
namespace {

std::string show(const Syntax& node);

std::string showLiteral(const LiteralSyntax& literal) {
  return literal.kind == TokenKind::String ? "\"" + literal.text + "\"" : literal.text;
}

std::string showChildren(const Syntax& node) {
  std::string out;
  for (const auto& child : node.children)
    out += " " + show(*child);
  return out;
}

// An S-expression: (or (== a 1) (and (in b [1 2]) (prefix c "x"))).
std::string show(const Syntax& node) {
  switch (node.kind) {
    case SyntaxKind::Or:
      return "(or" + showChildren(node) + ")";
    case SyntaxKind::And:
      return "(and" + showChildren(node) + ")";
    case SyntaxKind::Not:
      return "(not" + showChildren(node) + ")";
    case SyntaxKind::Any:
      return "(any " + node.path.text() + showChildren(node) + ")";
    case SyntaxKind::Compare:
      return "(" + std::string(spelling(node.compareOp)) + " " + node.path.text() + " " +
             showLiteral(node.literals[0]) + ")";
    case SyntaxKind::Text:
      return "(" + std::string(spelling(node.textOp)) + " " + node.path.text() + " " +
             showLiteral(node.literals[0]) + ")";
    case SyntaxKind::Range:
      return "(in " + node.path.text() + " [" + showLiteral(node.literals[0]) + " " +
             showLiteral(node.literals[1]) + "])";
    case SyntaxKind::Set: {
      std::string out = "(in " + node.path.text() + " {";
      for (std::size_t i = 0; i < node.literals.size(); ++i)
        out += (i == 0 ? "" : " ") + showLiteral(node.literals[i]);
      return out + "})";
    }
  }
  return "?";
}

// The tree of `text`, or "error column N: message".
std::string parsed(const std::string& text) {
  auto result = parse(text);
  if (auto* error = std::get_if<FilterError>(&result)) return "error " + describe(*error);
  return show(*std::get<std::unique_ptr<Syntax>>(result));
}

std::vector<Token> tokens(const std::string& text) {
  auto result = tokenize(text);
  EXPECT_TRUE(std::holds_alternative<std::vector<Token>>(result)) << text;
  if (auto* list = std::get_if<std::vector<Token>>(&result)) return *list;
  return {};
}

TEST(FilterLexerTest, OperatorsAndPunctuationCarryTheirColumns) {
  const auto list = tokens("== != < <= > >= ( ) [ ] { } , .");
  const TokenKind kinds[] = {
      TokenKind::Equal,       TokenKind::NotEqual,     TokenKind::Less,      TokenKind::LessEqual,
      TokenKind::Greater,     TokenKind::GreaterEqual, TokenKind::LeftParen, TokenKind::RightParen,
      TokenKind::LeftBracket, TokenKind::RightBracket, TokenKind::LeftBrace, TokenKind::RightBrace,
      TokenKind::Comma,       TokenKind::Dot,          TokenKind::End};
  const std::size_t columns[] = {1, 4, 7, 9, 12, 14, 17, 19, 21, 23, 25, 27, 29, 31, 32};
  ASSERT_EQ(list.size(), std::size(kinds));
  for (std::size_t i = 0; i < list.size(); ++i) {
    EXPECT_EQ(list[i].kind, kinds[i]) << i;
    EXPECT_EQ(list[i].column, columns[i]) << i;
  }
}

TEST(FilterLexerTest, KeywordsAreLowerCaseOnly) {
  const auto list = tokens("and or not in prefix suffix contains any true false AND Or it _x9");
  const TokenKind kinds[] = {TokenKind::And,        TokenKind::Or,         TokenKind::Not,
                             TokenKind::In,         TokenKind::Prefix,     TokenKind::Suffix,
                             TokenKind::Contains,   TokenKind::Any,        TokenKind::True,
                             TokenKind::False,      TokenKind::Identifier, TokenKind::Identifier,
                             TokenKind::Identifier, TokenKind::Identifier, TokenKind::End};
  ASSERT_EQ(list.size(), std::size(kinds));
  for (std::size_t i = 0; i < list.size(); ++i)
    EXPECT_EQ(list[i].kind, kinds[i]) << i;
  EXPECT_EQ(list[13].text, "_x9");
}

TEST(FilterLexerTest, Literals) {
  const auto list = tokens(
      R"("a\"b\\c\nd\te" "" 0 42 -7 18446744073709551615 -9223372036854775808 -0 1.5 -2.25 1e3 2.5E-2 7e+1)");
  ASSERT_EQ(list.size(), 14u);
  EXPECT_EQ(list[0].kind, TokenKind::String);
  EXPECT_EQ(list[0].text, "a\"b\\c\nd\te");
  EXPECT_EQ(list[1].kind, TokenKind::String);
  EXPECT_EQ(list[1].text, "");
  EXPECT_EQ(list[2].magnitude, 0u);
  EXPECT_EQ(list[3].magnitude, 42u);
  EXPECT_TRUE(list[4].negative);
  EXPECT_EQ(list[4].magnitude, 7u);
  EXPECT_EQ(list[5].magnitude, 18446744073709551615u);
  EXPECT_TRUE(list[6].negative);
  EXPECT_EQ(list[6].magnitude, 9223372036854775808u);
  EXPECT_FALSE(list[7].negative) << "-0 is 0";
  for (std::size_t i = 2; i <= 7; ++i)
    EXPECT_EQ(list[i].kind, TokenKind::Integer) << i;
  const double decimals[] = {1.5, -2.25, 1000, 0.025, 70};
  for (std::size_t i = 0; i < std::size(decimals); ++i) {
    EXPECT_EQ(list[8 + i].kind, TokenKind::Decimal) << i;
    EXPECT_DOUBLE_EQ(list[8 + i].decimal, decimals[i]) << i;
  }
}

TEST(FilterLexerTest, UnicodeInStringsIsKeptAsBytes) {
  const auto list = tokens("s == \"h\xc3\xa9\"");
  ASSERT_EQ(list.size(), 4u);
  EXPECT_EQ(list[2].text, "h\xc3\xa9");
}

TEST(FilterLexerTest, ErrorsCarryTheirColumn) {
  EXPECT_EQ(parsed("str == \"abc"), "error column 8: unterminated string");
  EXPECT_EQ(parsed("str == \"abc\\"), "error column 8: unterminated string");
  EXPECT_EQ(parsed(R"(str == "a\x")"),
            R"(error column 10: unknown escape '\x' (use \" \\ \n or \t))");
  EXPECT_EQ(parsed("u == 18446744073709551616"),
            "error column 6: integer 18446744073709551616 is out of range");
  EXPECT_EQ(parsed("i == -9223372036854775809"),
            "error column 6: integer -9223372036854775809 is out of range");
  EXPECT_EQ(parsed("d == 1e400"), "error column 6: number 1e400 is out of range");
  EXPECT_EQ(parsed("d == 12ab"), "error column 6: malformed number starting '12'");
  EXPECT_EQ(parsed("d == 1.2.3"), "error column 6: malformed number starting '1.2'");
  EXPECT_EQ(parsed("fee # 1"), "error column 5: unexpected '#'");
  EXPECT_EQ(parsed("fee = 1"), "error column 5: unexpected '=' (compare with '==')");
  EXPECT_EQ(parsed("!(fee == 1)"), "error column 1: unexpected '!' (negate with 'not')");
  EXPECT_EQ(parsed("fee - 1"), "error column 5: unexpected '-'");
  EXPECT_EQ(parsed("f\xc3\xa9 == 1"), "error column 2: unexpected byte 0xc3");
}

TEST(FilterParserTest, EveryComparison) {
  EXPECT_EQ(parsed("a == 1"), "(== a 1)");
  EXPECT_EQ(parsed("a != -1"), "(!= a -1)");
  EXPECT_EQ(parsed("a<1.5"), "(< a 1.5)");
  EXPECT_EQ(parsed("a <= 1e3"), "(<= a 1e3)");
  EXPECT_EQ(parsed("a > true"), "(> a true)");
  EXPECT_EQ(parsed("a >= HIGH"), "(>= a HIGH)");
  EXPECT_EQ(parsed("a.b.c in [1, 2]"), "(in a.b.c [1 2])");
  EXPECT_EQ(parsed("a in {\"x\", y, 3, false}"), "(in a {\"x\" y 3 false})");
  EXPECT_EQ(parsed("a in {1}"), "(in a {1})");
  EXPECT_EQ(parsed("a prefix \"p\""), "(prefix a \"p\")");
  EXPECT_EQ(parsed("a suffix \"s\""), "(suffix a \"s\")");
  EXPECT_EQ(parsed("a contains \"c\""), "(contains a \"c\")");
  EXPECT_EQ(parsed("any(tags, it prefix \"x\")"), "(any tags (prefix it \"x\"))");
  EXPECT_EQ(parsed("a.in == 1 and b.any.true == 2"), "(and (== a.in 1) (== b.any.true 2))")
      << "after '.', a keyword is a field name";
}

TEST(FilterParserTest, AndBindsTighterThanOrAndNotTighterThanBoth) {
  EXPECT_EQ(parsed("a == 1 or b == 2 and c == 3"), "(or (== a 1) (and (== b 2) (== c 3)))");
  EXPECT_EQ(parsed("a == 1 and b == 2 or c == 3"), "(or (and (== a 1) (== b 2)) (== c 3))");
  EXPECT_EQ(parsed("not a == 1 and b == 2"), "(and (not (== a 1)) (== b 2))");
  EXPECT_EQ(parsed("not not a == 1"), "(not (not (== a 1)))");
  EXPECT_EQ(parsed("a == 1 or b == 2 or c == 3"), "(or (== a 1) (== b 2) (== c 3))")
      << "chains are flat";
}

TEST(FilterParserTest, ParenthesesGroup) {
  EXPECT_EQ(parsed("(a == 1 or b == 2) and c == 3"), "(and (or (== a 1) (== b 2)) (== c 3))");
  EXPECT_EQ(parsed("not (a == 1 or b == 2)"), "(not (or (== a 1) (== b 2)))");
  EXPECT_EQ(parsed("((((a == 1))))"), "(== a 1)");
  EXPECT_EQ(parsed("any(xs, any(it.ys, it == 1) or z == 2)"),
            "(any xs (or (any it.ys (== it 1)) (== z 2)))");
}

TEST(FilterParserTest, SyntaxErrorsCarryTheirColumn) {
  EXPECT_EQ(parsed(""), "error column 1: empty filter");
  EXPECT_EQ(parsed("  \t\n "), "error column 1: empty filter");
  EXPECT_EQ(parsed("a == 1 b"), "error column 8: unexpected 'b' after the expression");
  EXPECT_EQ(parsed("a == 1 \"x\""), "error column 8: unexpected string \"x\" after the expression");
  EXPECT_EQ(parsed("(a == 1"), "error column 1: unbalanced '(': no matching ')'");
  EXPECT_EQ(parsed("a == 1)"), "error column 7: unbalanced ')': no '(' before it");
  EXPECT_EQ(parsed("(a == 1 b"), "error column 9: expected ')', found 'b'");
  EXPECT_EQ(parsed("()"), "error column 2: expected a field path, '(', 'not' or 'any', found ')'");
  EXPECT_EQ(parsed("a"),
            "error column 2: expected a comparison after 'a' (== != < <= > >= in prefix suffix "
            "contains), found the end");
  EXPECT_EQ(parsed("a ="), "error column 3: unexpected '=' (compare with '==')");
  EXPECT_EQ(parsed("a =="), "error column 5: expected a literal, found the end");
  EXPECT_EQ(parsed("a == (1)"), "error column 6: expected a literal, found '('");
  EXPECT_EQ(parsed("a == b.c"), "error column 7: unexpected '.' after the expression");
  EXPECT_EQ(parsed("a in 5"),
            "error column 6: expected '[lo, hi]' or '{v1, v2, ...}' after 'in', found 5");
  EXPECT_EQ(parsed("a in {}"), "error column 6: empty set");
  EXPECT_EQ(parsed("a in {1, }"), "error column 10: expected a literal, found '}'");
  EXPECT_EQ(parsed("a in {1 2}"), "error column 9: expected '}', found 2");
  EXPECT_EQ(parsed("a in {1"), "error column 6: unbalanced '{': no matching '}'");
  EXPECT_EQ(parsed("a in [1 2]"), "error column 9: expected ',' in the range, found 2");
  EXPECT_EQ(parsed("a in [1, 2"), "error column 6: unbalanced '[': no matching ']'");
  EXPECT_EQ(parsed("a in [1, 2, 3]"), "error column 11: expected ']', found ','");
  EXPECT_EQ(parsed("a prefix 5"),
            "error column 10: 'prefix' takes a string in double quotes, found 5");
  EXPECT_EQ(parsed("a contains x"),
            "error column 12: 'contains' takes a string in double quotes, found 'x'");
  EXPECT_EQ(parsed("any tags"), "error column 5: expected '(' after 'any', found 'tags'");
  EXPECT_EQ(parsed("any(tags it == 1)"),
            "error column 10: expected ',' after the path of any(), found 'it'");
  EXPECT_EQ(parsed("any(tags, it == 1"), "error column 4: unbalanced '(': no matching ')'");
  EXPECT_EQ(parsed("any(1, it == 1)"), "error column 5: expected a field path, found 1");
  EXPECT_EQ(parsed("and a == 1"),
            "error column 1: expected a field path, '(', 'not' or 'any', found 'and'");
  EXPECT_EQ(parsed("a == 1 and"),
            "error column 11: expected a field path, '(', 'not' or 'any', found the end");
  EXPECT_EQ(parsed("a == 1 or or b == 1"),
            "error column 11: expected a field path, '(', 'not' or 'any', found 'or'");
  EXPECT_EQ(parsed("a. == 1"), "error column 4: expected a field name after '.', found '=='");
  EXPECT_EQ(parsed("not"),
            "error column 4: expected a field path, '(', 'not' or 'any', found the end");
}

TEST(FilterParserTest, TextIsBoundedTo4096Bytes) {
  const std::string prefix = "a == \"";
  std::string longest = prefix + std::string(kMaxFilterBytes - prefix.size() - 1, 'x') + "\"";
  ASSERT_EQ(longest.size(), kMaxFilterBytes);
  EXPECT_EQ(parsed(longest).substr(0, 6), "(== a ");
  EXPECT_EQ(parsed(longest + " "), "error column 4097: filter longer than 4096 bytes");
}

TEST(FilterParserTest, NestingIsBoundedTo64Levels) {
  const auto nested = [](std::size_t depth, const std::string& open, const std::string& close) {
    std::string text;
    for (std::size_t i = 0; i < depth; ++i)
      text += open;
    text += "a == 1";
    for (std::size_t i = 0; i < depth; ++i)
      text += close;
    return text;
  };
  EXPECT_EQ(parsed(nested(64, "(", ")")), "(== a 1)");
  EXPECT_EQ(parsed(nested(65, "(", ")")), "error column 65: nesting deeper than 64 levels");
  EXPECT_EQ(parsed(nested(64, "not ", "")).substr(0, 5), "(not ");
  EXPECT_EQ(parsed(nested(65, "not ", "")), "error column 257: nesting deeper than 64 levels");
  EXPECT_EQ(parsed(nested(64, "any(x, ", ")")).substr(0, 7), "(any x ");
  EXPECT_EQ(parsed(nested(65, "any(x, ", ")")), "error column 449: nesting deeper than 64 levels");
  // Levels add up: 32 parentheses around 32 nots around one any is 65.
  const std::string mixed = std::string(32, '(') + nested(32, "not ", "").substr(0, 128) +
                            "any(x, a == 1)" + std::string(32, ')');
  EXPECT_EQ(parsed(mixed), "error column 161: nesting deeper than 64 levels");
  // Deep text that stays shallow is fine: a long flat chain.
  std::string chain = "a == 1";
  while (chain.size() + 12 < kMaxFilterBytes)
    chain += " or a == 1";
  EXPECT_EQ(parsed(chain).substr(0, 4), "(or ");
}

}  // namespace
}  // namespace plexus::filter
