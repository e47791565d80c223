// The filter type checker: every type error with its column, enum value names, `source`,
// nested paths and any() (host/src/filter/type_check.h, literals.h).

#include <gtest/gtest.h>

#include <string>

#include "filter/filter.h"
#include "filter_test_support.h"

namespace plexus::filter {
namespace {

using testing::compileKinds;
using testing::kindsError;

std::string eventError(const std::string& text, v1::EventType type) {
  CompileResult result = compileEventFilter(text, type);
  return result ? std::string("compiled") : describe(result.error);
}

TEST(FilterTypeCheckTest, UnknownFieldsNameTheirMessage) {
  EXPECT_EQ(eventError("fe >= 1000", v1::EVENT_TYPE_NEW_TRANSACTION),
            "column 1: unknown field 'fe' in plexus.v1.NewTransaction");
  EXPECT_EQ(kindsError("output.valu == 1"), "column 8: unknown field 'valu' in plexus.test.Output");
  EXPECT_EQ(kindsError("output.leaf.x == 1"), "column 13: unknown field 'x' in plexus.test.Leaf");
  EXPECT_EQ(kindsError("it == 1"), "column 1: unknown field 'it' in plexus.test.Kinds")
      << "outside any(), 'it' is a field name like any other";
  EXPECT_EQ(kindsError("U64 == 1"), "column 1: unknown field 'U64' in plexus.test.Kinds");
  EXPECT_EQ(kindsError("u64 == 1 and nope == 2"),
            "column 14: unknown field 'nope' in plexus.test.Kinds");
}

TEST(FilterTypeCheckTest, PathsWalkSingularMessagesOnly) {
  EXPECT_EQ(kindsError("output == 1"),
            "column 1: 'output' is a message plexus.test.Output: compare one of its fields");
  EXPECT_EQ(kindsError("output.leaf in {1}"),
            "column 1: 'output.leaf' is a message plexus.test.Leaf: compare one of its fields");
  EXPECT_EQ(kindsError("u64.x == 1"), "column 5: 'u64' is uint64: it has no field 'x'");
  EXPECT_EQ(kindsError("outputs.value == 1"),
            "column 1: 'outputs' is repeated: reach its elements with any(outputs, it.value ...)");
  EXPECT_EQ(kindsError("r_str == \"x\""),
            "column 1: 'r_str' is repeated: compare its elements with any(r_str, ...)");
  EXPECT_EQ(kindsError("output.amounts > 1"),
            "column 1: 'output.amounts' is repeated: compare its elements with "
            "any(output.amounts, ...)");
  EXPECT_TRUE(compileKinds("output.leaf.n == 1 and output.leaf.s == \"\""));
}

TEST(FilterTypeCheckTest, LiteralsMustFitTheFieldType) {
  EXPECT_EQ(kindsError("str == 5"), "column 8: 'str' is string: it cannot be compared with 5");
  EXPECT_EQ(kindsError("u64 == \"5\""),
            "column 8: 'u64' is uint64: it cannot be compared with string \"5\"");
  EXPECT_EQ(kindsError("str == abc"),
            "column 8: 'str' is string: it cannot be compared with the name abc (strings are in "
            "double quotes)");
  EXPECT_EQ(kindsError("i32 == 1.5"),
            "column 8: 'i32' is int32: it cannot be compared with the non-integer 1.5");
  EXPECT_EQ(kindsError("f64 >= 1e3"),
            "column 8: 'f64' is fixed64: it cannot be compared with the non-integer 1e3");
  EXPECT_EQ(kindsError("flag == 1"), "column 9: 'flag' is bool: it cannot be compared with 1");
  EXPECT_EQ(kindsError("dbl == true"),
            "column 8: 'dbl' is double: it cannot be compared with true");
  EXPECT_EQ(kindsError("raw == 0"), "column 8: 'raw' is bytes: it cannot be compared with 0");
  EXPECT_EQ(kindsError("u64 in [1, \"2\"]"),
            "column 12: 'u64' is uint64: it cannot be compared with string \"2\"");
  EXPECT_EQ(kindsError("u64 in {1, 2, -3}"), "column 15: 'u64' is uint64: -3 is negative");
}

TEST(FilterTypeCheckTest, UnsignedFieldsRefuseNegativeLiterals) {
  EXPECT_EQ(kindsError("u32 > -1"), "column 7: 'u32' is uint32: -1 is negative");
  EXPECT_EQ(kindsError("f32 > -1"), "column 7: 'f32' is fixed32: -1 is negative");
  EXPECT_EQ(kindsError("u64 > -1"), "column 7: 'u64' is uint64: -1 is negative");
  EXPECT_TRUE(compileKinds("u64 > -0")) << "-0 is 0";
}

TEST(FilterTypeCheckTest, LiteralsOutOfTheFieldRangeAreRefused) {
  EXPECT_TRUE(compileKinds("i32 == 2147483647 or i32 == -2147483648"));
  EXPECT_EQ(kindsError("i32 == 2147483648"),
            "column 8: 'i32' is int32: 2147483648 is out of its range");
  EXPECT_EQ(kindsError("s32 == -2147483649"),
            "column 8: 's32' is sint32: -2147483649 is out of its range");
  EXPECT_EQ(kindsError("sf32 < 3000000000"),
            "column 8: 'sf32' is sfixed32: 3000000000 is out of its range");
  EXPECT_TRUE(compileKinds("u32 == 4294967295"));
  EXPECT_EQ(kindsError("u32 == 4294967296"),
            "column 8: 'u32' is uint32: 4294967296 is out of its range");
  EXPECT_TRUE(compileKinds("i64 == 9223372036854775807 or sf64 == -9223372036854775808"));
  EXPECT_EQ(kindsError("s64 == 9223372036854775808"),
            "column 8: 's64' is sint64: 9223372036854775808 is out of its range");
  EXPECT_TRUE(compileKinds("u64 == 18446744073709551615"));
  EXPECT_EQ(kindsError("flt < 1e39"), "column 7: 'flt' is float: 1e39 is out of its range");
  EXPECT_TRUE(compileKinds("dbl < 1e39 and flt < 3e38"));
  EXPECT_EQ(eventError("depth > 5000000000", v1::EVENT_TYPE_CHAIN_REORG),
            "column 9: 'depth' is uint32: 5000000000 is out of its range");
}

TEST(FilterTypeCheckTest, OperatorsMustApplyToTheFieldType) {
  EXPECT_EQ(kindsError("u64 prefix \"1\""),
            "column 5: 'prefix' takes a string or bytes field, not 'u64' (uint64)");
  EXPECT_EQ(kindsError("color suffix \"RED\""),
            "column 7: 'suffix' takes a string or bytes field, not 'color' (enum "
            "plexus.test.Color)");
  EXPECT_EQ(kindsError("flag contains \"t\""),
            "column 6: 'contains' takes a string or bytes field, not 'flag' (bool)");
  EXPECT_EQ(kindsError("flag < true"), "column 6: '<' does not order 'flag' (bool): use == or !=");
  EXPECT_EQ(kindsError("color >= COLOR_RED"),
            "column 7: '>=' does not order 'color' (enum plexus.test.Color): use == or !=");
  EXPECT_EQ(kindsError("flag in [false, true]"),
            "column 6: a range does not order 'flag' (bool): use a set {...}");
  EXPECT_EQ(kindsError("color in [RED, GREEN]"),
            "column 7: a range does not order 'color' (enum plexus.test.Color): use a set {...}");
  EXPECT_TRUE(compileKinds("flag == true and flag != false and color != RED"));
  EXPECT_TRUE(compileKinds("str < \"m\" and str in [\"a\", \"z\"] and raw prefix \"\\n\""));
}

TEST(FilterTypeCheckTest, RangesMustNotBeEmpty) {
  EXPECT_EQ(kindsError("u64 in [5, 1]"), "column 8: empty range: 5 is above 1");
  EXPECT_EQ(kindsError("i64 in [-1, -2]"), "column 8: empty range: -1 is above -2");
  EXPECT_EQ(kindsError("dbl in [0.5, 0.25]"), "column 8: empty range: 0.5 is above 0.25");
  EXPECT_EQ(kindsError("str in [\"b\", \"a\"]"), "column 8: empty range: b is above a");
  EXPECT_TRUE(compileKinds("u64 in [5, 5] and dbl in [-1, 1e3]"));
}

TEST(FilterTypeCheckTest, EnumValuesByFullOrShortName) {
  EXPECT_TRUE(compileKinds("color == COLOR_RED"));
  EXPECT_TRUE(compileKinds("color == RED"));
  EXPECT_TRUE(compileKinds("color == DARK_BLUE and color != COLOR_UNSPECIFIED"));
  EXPECT_TRUE(compileKinds("color in {RED, COLOR_GREEN, UNSPECIFIED}"));
  EXPECT_EQ(kindsError("color == PURPLE"),
            "column 10: unknown value 'PURPLE' of plexus.test.Color");
  EXPECT_EQ(kindsError("color == red"), "column 10: unknown value 'red' of plexus.test.Color");
  EXPECT_EQ(kindsError("color in {RED, BLUE}"),
            "column 16: unknown value 'BLUE' of plexus.test.Color");
  EXPECT_EQ(kindsError("color == 1"),
            "column 10: 'color' is enum plexus.test.Color: compare it with a value name, not 1");
  EXPECT_EQ(kindsError("color == \"RED\""),
            "column 10: 'color' is enum plexus.test.Color: compare it with a value name, not "
            "string \"RED\"");
  // Multi-word enum types: MaintenanceOperation's values start MAINTENANCE_OPERATION_.
  EXPECT_TRUE(compileEventFilter("operation == CLEANUP and urgency in {HIGH, URGENCY_MEDIUM}",
                                 v1::EVENT_TYPE_DATA_MAINTENANCE));
  EXPECT_EQ(eventError("operation == HIGH", v1::EVENT_TYPE_DATA_MAINTENANCE),
            "column 14: unknown value 'HIGH' of plexus.v1.MaintenanceOperation");
}

TEST(FilterTypeCheckTest, SourceResolvesInTheRootUnlessThePayloadHasOne) {
  EXPECT_TRUE(compileKinds("source == \"x\" and source prefix \"mod\""));
  EXPECT_EQ(kindsError("source.x == 1"), "column 8: 'source' is string: it has no field 'x'");
  EXPECT_EQ(kindsError("stamp == 1"), "column 1: unknown field 'stamp' in plexus.test.Kinds")
      << "only `source` reaches the root";
  const auto* root = test::Envelope::descriptor();
  EXPECT_TRUE(
      compileFilter("source == \"x\" and count > 1", *root, testing::payloadField("sourced")));
  CompileResult rootOnly = compileFilter(
      "source == \"x\" and stamp > 1 and kinds.u64 == 2 and "
      "any(many, it.flag == true)",
      *root, nullptr);
  EXPECT_TRUE(rootOnly) << describe(rootOnly.error);
}

TEST(FilterTypeCheckTest, AnyTakesARepeatedFieldAndNamesItsElementIt) {
  EXPECT_TRUE(compileKinds("any(r_u64, it > 1)"));
  EXPECT_TRUE(compileKinds("any(outputs, it.value > 1000 and it.script prefix \"00\")"));
  EXPECT_TRUE(compileKinds("any(outputs, any(it.leaves, any(it.tags, it == \"x\")))"));
  EXPECT_TRUE(compileKinds("any(output.leaves, it.n == 1 and u64 == 2)"))
      << "paths not starting with `it` resolve as outside";
  EXPECT_TRUE(compileKinds("any(labels, it.key == \"k\" and it.value > 1)")) << "maps too";
  EXPECT_EQ(kindsError("any(u64, it > 1)"),
            "column 5: any() takes a repeated field; 'u64' is uint64");
  EXPECT_EQ(kindsError("any(output, it.value > 1)"),
            "column 5: any() takes a repeated field; 'output' is message plexus.test.Output");
  EXPECT_EQ(kindsError("any(r_u64, any(it, it > 1))"),
            "column 16: any() takes a repeated field; 'it' is an element");
  EXPECT_EQ(kindsError("any(outputs, any(it, it.value > 1))"),
            "column 18: any() takes a repeated field; 'it' is an element");
  EXPECT_EQ(kindsError("any(r_u64, it.x > 1)"),
            "column 15: 'it' is a uint64 element: it has no field 'x'");
  EXPECT_EQ(kindsError("any(outputs, it == 1)"),
            "column 14: 'it' is a message plexus.test.Output: compare one of its fields");
  EXPECT_EQ(kindsError("any(outputs, it.valu == 1)"),
            "column 17: unknown field 'valu' in plexus.test.Output");
  EXPECT_EQ(kindsError("any(outputs, it.value > -1 and it.amounts == 1)"),
            "column 32: 'it.amounts' is repeated: compare its elements with any(it.amounts, ...)");
  EXPECT_EQ(kindsError("any(r_u64, it > -1)"), "column 17: 'it' is uint64: -1 is negative");
  EXPECT_EQ(kindsError("any(r_color, it == PINK)"),
            "column 20: unknown value 'PINK' of plexus.test.Color");
  EXPECT_EQ(kindsError("any(r_str, it > 1)"),
            "column 17: 'it' is string: it cannot be compared with 1");
}

TEST(FilterTypeCheckTest, AWrongPayloadFieldIsRefusedWithoutAColumn) {
  const auto* root = test::Envelope::descriptor();
  for (const char* name : {"stamp", "many"}) {
    CompileResult result = compileFilter("u64 == 1", *root, testing::payloadField(name));
    ASSERT_FALSE(result) << name;
    EXPECT_EQ(result.error.column, 0u);
    EXPECT_EQ(describe(result.error),
              "'plexus.test.Envelope." + std::string(name) +
                  "' is not a singular message field of plexus.test.Envelope");
  }
  CompileResult foreign =
      compileFilter("value == 1", *root, test::Kinds::descriptor()->FindFieldByName("output"));
  EXPECT_FALSE(foreign);
}

TEST(FilterTypeCheckTest, TheFirstErrorWins) {
  EXPECT_EQ(kindsError("nope == 1 and u64 == \"x\""),
            "column 1: unknown field 'nope' in plexus.test.Kinds");
  EXPECT_EQ(kindsError("flag < 5"), "column 6: '<' does not order 'flag' (bool): use == or !=")
      << "the operator comes before the literal";
  EXPECT_EQ(kindsError("u64 == \"x\" or (nope == 1"), "column 15: unbalanced '(': no matching ')'")
      << "syntax errors come before type errors";
}

}  // namespace
}  // namespace plexus::filter
