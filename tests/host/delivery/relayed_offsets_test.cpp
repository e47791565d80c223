// RelayedOffsets: the relayed (origin node, offset) pairs the node took, per origin node in a
// window of offsets (docs/design.md "Relayed duplicates"): out-of-order offsets inside it, the
// window sliding up (older offsets count as taken), a far jump, the bound on origin nodes, and
// releasing a take whose publish published nothing.

#include "delivery/relayed_offsets.h"

#include <gtest/gtest.h>

namespace plexus::host {
namespace {

TEST(RelayedOffsetsTest, AnOffsetIsTakenOnceAndOriginsAreApart) {
  RelayedOffsets relayed;
  EXPECT_FALSE(relayed.taken("b", 7));
  EXPECT_TRUE(relayed.take("b", 7));
  EXPECT_TRUE(relayed.taken("b", 7));
  EXPECT_FALSE(relayed.take("b", 7)) << "taking it again is refused";
  EXPECT_FALSE(relayed.taken("c", 7)) << "the same offset of another node";
  EXPECT_FALSE(relayed.taken("b", 8));
  EXPECT_EQ(relayed.origins(), 1u);
}

TEST(RelayedOffsetsTest, OffsetsOutOfOrderInsideTheWindowAreEachKept) {
  RelayedOffsets relayed(128);
  ASSERT_TRUE(relayed.take("b", 10));
  // A restarted consumer: new messages first, the unacked ones come back later.
  EXPECT_FALSE(relayed.taken("b", 8));
  EXPECT_FALSE(relayed.taken("b", 9));
  ASSERT_TRUE(relayed.take("b", 8));
  EXPECT_TRUE(relayed.taken("b", 8));
  EXPECT_FALSE(relayed.taken("b", 9)) << "a high-water mark would have lost it";
  ASSERT_TRUE(relayed.take("b", 9));
  EXPECT_FALSE(relayed.take("b", 9));
  EXPECT_FALSE(relayed.taken("b", 11));
}

TEST(RelayedOffsetsTest, AReleasedOffsetIsNotTakenAndTheRestStay) {
  RelayedOffsets relayed(128);
  ASSERT_TRUE(relayed.take("b", 100));
  ASSERT_TRUE(relayed.take("b", 101));
  relayed.release("b", 101);  // the top one: the window stays where it is
  EXPECT_FALSE(relayed.taken("b", 101));
  EXPECT_TRUE(relayed.taken("b", 100));
  EXPECT_TRUE(relayed.take("b", 101)) << "its retry is taken";
  relayed.release("b", 100);
  EXPECT_FALSE(relayed.taken("b", 100));
  EXPECT_TRUE(relayed.taken("b", 101));
  relayed.release("b", 500);  // above the top: nothing to release
  relayed.release("c", 100);  // an origin never seen: none created
  EXPECT_FALSE(relayed.taken("b", 500));
  EXPECT_EQ(relayed.origins(), 1u);
  ASSERT_TRUE(relayed.take("e", 300));
  relayed.release("e", 100);  // below the window: stays taken
  EXPECT_TRUE(relayed.taken("e", 100));
}

TEST(RelayedOffsetsTest, BelowTheWindowCountsAsTaken) {
  RelayedOffsets relayed(128);
  ASSERT_TRUE(relayed.take("b", 200));
  EXPECT_TRUE(relayed.taken("b", 72)) << "200 - 128: below the window, taken long ago";
  EXPECT_TRUE(relayed.taken("b", 1));
  EXPECT_FALSE(relayed.take("b", 50));
  EXPECT_FALSE(relayed.taken("b", 73)) << "the window's lowest offset";
  EXPECT_FALSE(relayed.taken("b", 199));
}

TEST(RelayedOffsetsTest, TheWindowSlidingUpForgetsTheBitsOfOlderOffsets) {
  RelayedOffsets relayed(128);
  ASSERT_TRUE(relayed.take("b", 5));  // bit 5
  ASSERT_TRUE(relayed.take("b", 120));
  ASSERT_TRUE(relayed.take("b", 200));  // a step inside the window: 121..199 cleared
  EXPECT_FALSE(relayed.taken("b", 133)) << "133 shares 5's bit";
  EXPECT_TRUE(relayed.taken("b", 120));
  ASSERT_TRUE(relayed.take("b", 133));
  EXPECT_TRUE(relayed.taken("b", 133));
}

TEST(RelayedOffsetsTest, AJumpBeyondTheWindowClearsIt) {
  RelayedOffsets relayed(128);
  ASSERT_TRUE(relayed.take("b", 5));
  ASSERT_TRUE(relayed.take("b", 140));  // 135 above: the whole window is new
  EXPECT_FALSE(relayed.taken("b", 133)) << "133 shares 5's bit";
  EXPECT_FALSE(relayed.taken("b", 139));
  EXPECT_TRUE(relayed.taken("b", 12)) << "below the window";
  EXPECT_TRUE(relayed.taken("b", 140));
}

TEST(RelayedOffsetsTest, OneOriginTooManyForgetsTheOneThatTookNothingForLongest) {
  RelayedOffsets relayed(64, 2);
  ASSERT_TRUE(relayed.take("a", 1));
  ASSERT_TRUE(relayed.take("b", 1));
  ASSERT_TRUE(relayed.take("a", 2));  // a took last: b is the oldest
  ASSERT_TRUE(relayed.take("c", 1));
  EXPECT_EQ(relayed.origins(), 2u);
  EXPECT_EQ(relayed.evictedOrigins(), 1u);
  EXPECT_FALSE(relayed.taken("b", 1)) << "forgotten";
  EXPECT_TRUE(relayed.taken("a", 1));
  EXPECT_TRUE(relayed.taken("c", 1));
  EXPECT_FALSE(relayed.taken("d", 1)) << "asking does not make room";
  EXPECT_EQ(relayed.origins(), 2u);
}

TEST(RelayedOffsetsTest, TheFullWindowHoldsItsOffsets) {
  RelayedOffsets relayed;
  for (std::uint64_t offset = RelayedOffsets::kWindow; offset >= 1; --offset)
    ASSERT_TRUE(relayed.take("b", offset)) << offset;  // all of them, highest first
  for (std::uint64_t offset = 1; offset <= RelayedOffsets::kWindow; ++offset)
    ASSERT_TRUE(relayed.taken("b", offset)) << offset;
  EXPECT_FALSE(relayed.taken("b", RelayedOffsets::kWindow + 1));
}

}  // namespace
}  // namespace plexus::host
