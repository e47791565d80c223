// The filter evaluator on singular fields: every protobuf field kind of filter_test.proto,
// unset fields (proto3 defaults), negative numbers, doubles and floats, bytes, bool sets, and
// the boolean operators (host/src/filter/compiled_nodes.h).

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "filter/filter.h"
#include "filter_test_support.h"

namespace plexus::filter {
namespace {

using testing::Matches;
using testing::Rejects;

TEST(FilterEvaluatorTest, SignedIntegerKinds) {
  test::Kinds kinds;
  kinds.set_i32(-5);
  kinds.set_s32(-2147483647 - 1);
  kinds.set_sf32(7);
  kinds.set_i64(-9000000000);
  kinds.set_s64(std::numeric_limits<std::int64_t>::max());
  kinds.set_sf64(std::numeric_limits<std::int64_t>::min());
  EXPECT_TRUE(Matches("i32 == -5 and i32 != 5 and i32 < -4 and i32 <= -5 and i32 > -6", kinds));
  EXPECT_TRUE(Matches("i32 >= -5 and i32 in [-10, -5] and i32 in {3, -5}", kinds));
  EXPECT_TRUE(Rejects("i32 > -5 or i32 in [-4, 10] or i32 in {5}", kinds));
  EXPECT_TRUE(Matches("s32 == -2147483648 and s32 < -2147483647", kinds));
  EXPECT_TRUE(Matches("sf32 == 7 and sf32 in [0, 7]", kinds));
  EXPECT_TRUE(Matches("i64 == -9000000000 and i64 < -8999999999", kinds));
  EXPECT_TRUE(Matches("s64 == 9223372036854775807 and s64 > 0", kinds));
  EXPECT_TRUE(Matches("sf64 == -9223372036854775808 and sf64 < -9223372036854775807", kinds));
}

TEST(FilterEvaluatorTest, UnsignedIntegerKinds) {
  test::Kinds kinds;
  kinds.set_u32(4294967295u);
  kinds.set_f32(10);
  kinds.set_u64(18446744073709551615u);
  kinds.set_f64(1u << 20);
  EXPECT_TRUE(Matches("u32 == 4294967295 and u32 > 4294967294 and u32 >= 1", kinds));
  EXPECT_TRUE(Matches("f32 in [10, 10] and f32 != 11 and f32 in {1, 10, 100}", kinds));
  EXPECT_TRUE(Matches("u64 == 18446744073709551615 and u64 > 9223372036854775807", kinds))
      << "no signed wrap";
  EXPECT_TRUE(Matches("f64 == 1048576 and f64 <= 1048576", kinds));
  EXPECT_TRUE(Rejects("u32 < 4294967295 or f32 in {1, 100} or u64 < 1", kinds));
}

TEST(FilterEvaluatorTest, DoublesAndFloats) {
  test::Kinds kinds;
  kinds.set_dbl(0.1);
  kinds.set_flt(0.1f);
  EXPECT_TRUE(Matches("dbl == 0.1 and dbl > 0.09999 and dbl < 1 and dbl >= 1e-1", kinds));
  EXPECT_TRUE(Matches("dbl in [-1.5, 2.5] and dbl in {0.1, 2} and dbl != 0", kinds));
  EXPECT_TRUE(Matches("flt == 0.1 and flt <= 0.1 and flt in {0.1}", kinds))
      << "float literals are rounded to float";
  EXPECT_TRUE(Rejects("flt < 0.1", kinds));
  kinds.set_dbl(-2.5e10);
  EXPECT_TRUE(Matches("dbl == -2.5e10 and dbl < -24999999999 and dbl > -25000000001", kinds))
      << "integer literals on double fields";
  kinds.set_dbl(std::nan(""));
  EXPECT_TRUE(
      Rejects("dbl == 0 or dbl < 0 or dbl > 0 or dbl in [-1e300, 1e300] or dbl in {0}", kinds))
      << "NaN is in no range or set";
  EXPECT_TRUE(Matches("dbl != 0", kinds));
  kinds.set_dbl(-0.0);
  EXPECT_TRUE(Matches("dbl == 0 and dbl in {0} and dbl in [0, 1]", kinds));
}

TEST(FilterEvaluatorTest, BoolsAndBoolSets) {
  test::Kinds kinds;
  EXPECT_TRUE(Matches("flag == false and flag != true and flag in {false}", kinds));
  EXPECT_TRUE(Rejects("flag in {true}", kinds));
  EXPECT_TRUE(Matches("flag in {true, false}", kinds));
  kinds.set_flag(true);
  EXPECT_TRUE(Matches("flag == true and flag in {true} and flag in {false, true, true}", kinds));
  EXPECT_TRUE(Rejects("flag in {false} or flag == false", kinds));
}

TEST(FilterEvaluatorTest, StringsAndBytes) {
  test::Kinds kinds;
  kinds.set_str("abc\"def\n");
  kinds.set_raw(
      std::string("ab\0\xff"
                  "cd",
                  6));
  EXPECT_TRUE(Matches(R"(str == "abc\"def\n" and str prefix "abc" and str suffix "def\n")", kinds));
  EXPECT_TRUE(Matches(R"(str contains "c\"d" and str contains "" and str prefix "")", kinds));
  EXPECT_TRUE(Matches(R"(str > "abb" and str < "abd" and str in ["abc", "abd"])", kinds));
  EXPECT_TRUE(Matches(R"(str in {"x", "abc\"def\n"} and str != "abc")", kinds));
  EXPECT_TRUE(Rejects(R"(str prefix "bc" or str suffix "abc" or str contains "xyz")", kinds));
  EXPECT_TRUE(Rejects(R"(str prefix "abc\"def\n!")", kinds)) << "longer than the value";
  EXPECT_TRUE(Matches("raw prefix \"ab\" and raw suffix \"cd\" and raw != \"ab\"", kinds))
      << "bytes with NUL compare as bytes";
  kinds.set_raw("\t");
  EXPECT_TRUE(Matches(R"(raw == "\t" and raw in {"\t"})", kinds));
}

TEST(FilterEvaluatorTest, Enums) {
  test::Kinds kinds;
  EXPECT_TRUE(Matches("color == COLOR_UNSPECIFIED and color == UNSPECIFIED", kinds));
  kinds.set_color(test::COLOR_DARK_BLUE);
  EXPECT_TRUE(Matches("color == DARK_BLUE and color != RED and color in {RED, DARK_BLUE}", kinds));
  EXPECT_TRUE(Rejects("color in {RED, GREEN} or color == COLOR_GREEN", kinds));
  kinds.set_color(static_cast<test::Color>(42));  // an open enum's unknown value
  EXPECT_TRUE(Rejects("color in {UNSPECIFIED, RED, GREEN, DARK_BLUE}", kinds));
  EXPECT_TRUE(Matches("color != UNSPECIFIED", kinds));
}

TEST(FilterEvaluatorTest, UnsetFieldsReadAsTheirDefaults) {
  const test::Kinds kinds;
  EXPECT_TRUE(
      Matches("i32 == 0 and s64 == 0 and u32 == 0 and f64 == 0 and dbl == 0 and flt == 0", kinds));
  EXPECT_TRUE(
      Matches("flag == false and str == \"\" and raw == \"\" and color == UNSPECIFIED", kinds));
  EXPECT_TRUE(Matches("output.value == 0 and output.leaf.s == \"\" and output.leaf.n == 0", kinds))
      << "an unset nested message reads its fields' defaults";
  EXPECT_TRUE(Rejects("any(r_u64, it >= 0) or any(outputs, it.value == 0)", kinds))
      << "an empty repeated field has no element";
  EXPECT_TRUE(Matches("not any(r_str, it == \"\")", kinds));
}

TEST(FilterEvaluatorTest, NestedMessages) {
  test::Kinds kinds;
  kinds.mutable_output()->set_value(-3);
  kinds.mutable_output()->mutable_leaf()->set_s("deep");
  EXPECT_TRUE(
      Matches("output.value == -3 and output.leaf.s == \"deep\" and output.leaf.n == 0", kinds));
  EXPECT_TRUE(Rejects("output.leaf.s != \"deep\"", kinds));
}

TEST(FilterEvaluatorTest, BooleanOperators) {
  test::Kinds kinds;
  kinds.set_u64(5);
  kinds.set_str("x");
  EXPECT_TRUE(Matches("u64 == 5 and str == \"x\"", kinds));
  EXPECT_TRUE(Rejects("u64 == 5 and str == \"y\"", kinds));
  EXPECT_TRUE(Matches("u64 == 4 or str == \"x\"", kinds));
  EXPECT_TRUE(Rejects("u64 == 4 or str == \"y\"", kinds));
  EXPECT_TRUE(Matches("not u64 == 4", kinds));
  EXPECT_TRUE(Rejects("not not u64 == 4", kinds));
  // and binds tighter: true or (false and false) is true; (true or false) and false is false.
  EXPECT_TRUE(Matches("u64 == 5 or u64 == 4 and str == \"y\"", kinds));
  EXPECT_TRUE(Rejects("(u64 == 5 or u64 == 4) and str == \"y\"", kinds));
  EXPECT_TRUE(Matches("not (u64 == 4 or str == \"y\")", kinds));
}

TEST(FilterEvaluatorTest, SourceReadsTheRootOrThePayload) {
  test::Kinds kinds;
  EXPECT_TRUE(testing::matchesIn("source == \"mod-a\"", "kinds",
                                 testing::envelopeOf(kinds, "mod-a"), true));
  EXPECT_TRUE(testing::matchesIn("source prefix \"host\"", "kinds",
                                 testing::envelopeOf(kinds, "mod-a"), false));
  test::Envelope sourced;
  sourced.set_source("root");
  sourced.mutable_sourced()->set_source("payload");
  EXPECT_TRUE(testing::matchesIn("source == \"payload\"", "sourced", sourced, true));
  EXPECT_TRUE(testing::matchesIn("source == \"root\" and stamp == 0", nullptr, sourced, true));
}

TEST(FilterEvaluatorTest, AnotherPayloadReadsAsUnset) {
  test::Envelope envelope;
  envelope.mutable_sourced()->set_count(3);
  EXPECT_TRUE(testing::matchesIn("u64 == 0 and str == \"\"", "kinds", envelope, true));
}

TEST(FilterEvaluatorTest, AMessageOfAnotherTypeMatchesNothing) {
  CompileResult result = testing::compileKinds("u64 == 0");
  ASSERT_TRUE(result);
  EXPECT_TRUE(result.filter->matches(testing::envelopeOf(test::Kinds())));
  EXPECT_FALSE(result.filter->matches(test::Kinds()));
  EXPECT_FALSE(result.filter->matches(v1::Event()));
}

TEST(FilterEvaluatorTest, TextIsTheExpressionAsGiven) {
  const std::string text = "  u64 == 0  and\tstr == \"\" ";
  CompileResult result = testing::compileKinds(text);
  ASSERT_TRUE(result);
  EXPECT_EQ(result.filter->text(), text);
}

}  // namespace
}  // namespace plexus::filter
