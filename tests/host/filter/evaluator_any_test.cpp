// The filter evaluator on repeated fields: any() over every repeated kind, over messages, nested
// (the inner `it` shadows the outer), with outer paths inside, and over maps; and one compiled
// filter shared by threads.

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "filter/filter.h"
#include "filter_test_support.h"

namespace plexus::filter {
namespace {

using testing::Matches;
using testing::Rejects;

TEST(FilterAnyTest, EveryRepeatedScalarKind) {
  test::Kinds kinds;
  kinds.add_r_i32(-1);
  kinds.add_r_i32(7);
  kinds.add_r_s32(-2);
  kinds.add_r_sf32(3);
  kinds.add_r_i64(-9000000000);
  kinds.add_r_s64(4);
  kinds.add_r_sf64(-5);
  kinds.add_r_u32(4294967295u);
  kinds.add_r_f32(6);
  kinds.add_r_u64(18446744073709551615u);
  kinds.add_r_f64(8);
  kinds.add_r_flt(0.5f);
  kinds.add_r_dbl(-0.25);
  kinds.add_r_flag(false);
  kinds.add_r_flag(true);
  kinds.add_r_str("alpha");
  kinds.add_r_str("beta");
  kinds.add_r_raw(std::string("\0x", 2));
  kinds.add_r_color(test::COLOR_GREEN);
  EXPECT_TRUE(
      Matches("any(r_i32, it == 7) and any(r_i32, it < 0) and not any(r_i32, it == 0)", kinds));
  EXPECT_TRUE(Matches("any(r_s32, it == -2) and any(r_sf32, it in [3, 4])", kinds));
  EXPECT_TRUE(Matches("any(r_i64, it < -8999999999) and any(r_s64, it == 4)", kinds));
  EXPECT_TRUE(Matches("any(r_sf64, it in {-5}) and any(r_u32, it == 4294967295)", kinds));
  EXPECT_TRUE(Matches("any(r_f32, it >= 6) and any(r_u64, it == 18446744073709551615)", kinds));
  EXPECT_TRUE(
      Matches("any(r_f64, it != 9) and any(r_flt, it == 0.5) and any(r_dbl, it < 0)", kinds));
  EXPECT_TRUE(Matches("any(r_flag, it == true) and any(r_flag, it in {false})", kinds));
  EXPECT_TRUE(Matches("any(r_str, it prefix \"be\") and any(r_str, it == \"alpha\")", kinds));
  EXPECT_TRUE(Matches("any(r_raw, it suffix \"x\") and any(r_color, it == GREEN)", kinds));
  EXPECT_TRUE(
      Rejects("any(r_str, it contains \"z\") or any(r_color, it in {RED, DARK_BLUE})", kinds));
  EXPECT_TRUE(Rejects("any(r_u64, it < 18446744073709551615) or any(r_dbl, it > 0)", kinds));
}

TEST(FilterAnyTest, MessageElementsMeetThePredicateTogether) {
  test::Kinds kinds;
  test::Output* big = kinds.add_outputs();
  big->set_value(5000);
  big->set_script("ff01");
  test::Output* small = kinds.add_outputs();
  small->set_value(10);
  small->set_script("0014");
  const char* both = "any(outputs, it.value > 1000 and it.script prefix \"00\")";
  EXPECT_TRUE(Rejects(both, kinds)) << "no one output has both";
  EXPECT_TRUE(
      Matches("any(outputs, it.value > 1000) and any(outputs, it.script prefix \"00\")", kinds));
  small->set_value(2000);
  EXPECT_TRUE(Matches(both, kinds));
}

TEST(FilterAnyTest, NestedAnyShadowsIt) {
  test::Kinds kinds;
  test::Output* first = kinds.add_outputs();
  first->set_value(1);
  first->add_leaves()->set_n(3);
  first->mutable_leaves(0)->add_tags("cold");
  test::Output* second = kinds.add_outputs();
  second->set_value(2);
  second->add_leaves()->set_n(4);
  second->add_leaves()->add_tags("hot");
  second->add_amounts(70);
  EXPECT_TRUE(Matches("any(outputs, it.value == 2 and any(it.leaves, any(it.tags, it == \"hot\")))",
                      kinds));
  EXPECT_TRUE(
      Rejects("any(outputs, it.value == 1 and any(it.leaves, any(it.tags, it == \"hot\")))", kinds))
      << "the inner any walks the outer element's leaves only";
  EXPECT_TRUE(Matches("any(outputs, any(it.leaves, it.n == 3) and it.value == 1)", kinds))
      << "after the inner any, `it` is the outer element again";
  EXPECT_TRUE(Rejects("any(outputs, any(it.leaves, it.n == 4) and it.value == 1)", kinds));
  EXPECT_TRUE(Matches("any(outputs, any(it.amounts, it > 50))", kinds));
  EXPECT_TRUE(
      Matches("any(outputs, any(it.leaves, any(it.tags, it == \"cold\") and it.n == 3))", kinds));
}

TEST(FilterAnyTest, OuterPathsInsideAny) {
  test::Kinds kinds;
  kinds.set_u64(9);
  kinds.add_outputs()->set_value(1);
  kinds.mutable_output()->add_leaves()->set_n(5);
  EXPECT_TRUE(Matches("any(outputs, it.value == 1 and u64 == 9)", kinds));
  EXPECT_TRUE(Rejects("any(outputs, it.value == 1 and u64 == 8)", kinds));
  EXPECT_TRUE(Matches("any(output.leaves, it.n == 5 and output.value == 0)", kinds))
      << "any over a path through a singular message";
  EXPECT_TRUE(testing::matchesIn("any(outputs, source == \"m\")", "kinds",
                                 testing::envelopeOf(kinds, "m"), true));
}

TEST(FilterAnyTest, Maps) {
  test::Kinds kinds;
  (*kinds.mutable_labels())["region"] = 3;
  (*kinds.mutable_labels())["zone"] = -1;
  EXPECT_TRUE(Matches("any(labels, it.key == \"region\" and it.value == 3)", kinds));
  EXPECT_TRUE(Rejects("any(labels, it.key == \"zone\" and it.value > 0)", kinds));
}

TEST(FilterAnyTest, AnyOverTheRoot) {
  test::Envelope envelope;
  envelope.add_many()->set_u64(1);
  envelope.add_many()->add_outputs()->set_value(-7);
  EXPECT_TRUE(
      testing::matchesIn("any(many, any(it.outputs, it.value < 0))", nullptr, envelope, true));
  EXPECT_TRUE(testing::matchesIn("any(many, it.u64 == 1 and any(it.outputs, it.value < 0))",
                                 nullptr, envelope, false));
}

TEST(FilterAnyTest, OneFilterMatchesOnManyThreadsAtOnce) {
  CompileResult result = testing::compileKinds(
      "any(outputs, it.value > 1000 and any(it.leaves, it.s contains \"x\")) or str == \"y\"");
  ASSERT_TRUE(result) << describe(result.error);
  test::Kinds hit;
  test::Output* output = hit.add_outputs();
  output->set_value(2000);
  output->add_leaves()->set_s("axb");
  const test::Envelope yes = testing::envelopeOf(hit);
  const test::Envelope no = testing::envelopeOf(test::Kinds());
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20000; ++i) {
        if (!result.filter->matches(yes) || result.filter->matches(no)) ++wrong;
      }
    });
  }
  for (std::thread& thread : threads)
    thread.join();
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace plexus::filter
