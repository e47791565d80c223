// UTF-8 validation and escaping as RFC 3629 defines UTF-8: what protobuf string fields accept.

#include "plexus/ipc/utf8.h"

#include <gtest/gtest.h>

namespace plexus::ipc {
namespace {

TEST(Utf8Test, AcceptsAsciiAndWellFormedSequences) {
  EXPECT_TRUE(isValidUtf8(""));
  EXPECT_TRUE(isValidUtf8("plain ascii\t\n"));
  EXPECT_TRUE(isValidUtf8("caf\xc3\xa9"));           // U+00E9
  EXPECT_TRUE(isValidUtf8("\xe2\x82\xac"));          // U+20AC
  EXPECT_TRUE(isValidUtf8("\xf0\x9f\x98\x80"));      // U+1F600
  EXPECT_TRUE(isValidUtf8("\xf4\x8f\xbf\xbf"));      // U+10FFFF, the last code point
  EXPECT_TRUE(isValidUtf8(std::string("a\0b", 3)));  // NUL is a character
}

TEST(Utf8Test, RefusesEveryMalformedKind) {
  EXPECT_FALSE(isValidUtf8("\xff"));              // never in UTF-8
  EXPECT_FALSE(isValidUtf8("\x80"));              // a lone continuation byte
  EXPECT_FALSE(isValidUtf8("\xc3"));              // truncated
  EXPECT_FALSE(isValidUtf8("\xe2\x82"));          // truncated
  EXPECT_FALSE(isValidUtf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(isValidUtf8("\xe0\x80\xaf"));      // overlong
  EXPECT_FALSE(isValidUtf8("\xed\xa0\x80"));      // a surrogate, U+D800
  EXPECT_FALSE(isValidUtf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(isValidUtf8("ok\xc3("));           // bad continuation
}

TEST(Utf8Test, EscapeKeepsTextAndShowsEveryOtherByte) {
  EXPECT_EQ(escapeText("caf\xc3\xa9\tok"), "caf\xc3\xa9\tok");
  EXPECT_EQ(escapeText("/tmp/\xff"), "/tmp/\\xff");
  EXPECT_EQ(escapeText("a\x1b[31m\r"), "a\\x1b[31m\\x0d");
  EXPECT_EQ(escapeText("\xed\xa0\x80"), "\\xed\\xa0\\x80");
  EXPECT_TRUE(isValidUtf8(escapeText("\xc0\xaf\xff\xfe")));
}

}  // namespace
}  // namespace plexus::ipc
