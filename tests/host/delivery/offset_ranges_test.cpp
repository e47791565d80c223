// OffsetRanges: the offsets a durable module acked above its cursor, as sorted disjoint ranges.

#include "delivery/offset_ranges.h"

#include <gtest/gtest.h>

namespace plexus::host {
namespace {

using Ranges = std::vector<OffsetRanges::Range>;

TEST(OffsetRangesTest, InsertMergesWhatTouchesOrOverlaps) {
  OffsetRanges set;
  set.insert(5);
  set.insert(9, 10);
  set.insert(1, 2);
  EXPECT_EQ(set.ranges(), (Ranges{{1, 2}, {5, 5}, {9, 10}}));
  set.insert(6);  // touches 5
  EXPECT_EQ(set.ranges(), (Ranges{{1, 2}, {5, 6}, {9, 10}}));
  set.insert(3, 9);  // bridges all three
  EXPECT_EQ(set.ranges(), (Ranges{{1, 10}}));
  set.insert(4);  // inside
  EXPECT_EQ(set.ranges(), (Ranges{{1, 10}}));
}

TEST(OffsetRangesTest, ContainsEraseThroughAndExtend) {
  OffsetRanges set(Ranges{{3, 4}, {6, 8}});
  EXPECT_FALSE(set.contains(2));
  EXPECT_TRUE(set.contains(3));
  EXPECT_TRUE(set.contains(4));
  EXPECT_FALSE(set.contains(5));
  EXPECT_TRUE(set.contains(8));
  EXPECT_FALSE(set.contains(9));
  EXPECT_EQ(set.extend(1), 1u) << "2 is missing";
  EXPECT_EQ(set.extend(2), 4u) << "5 is missing";
  EXPECT_EQ(set.extend(5), 8u);
  EXPECT_EQ(set.extend(9), 9u);
  set.eraseThrough(7);
  EXPECT_EQ(set.ranges(), (Ranges{{8, 8}}));
  set.eraseThrough(8);
  EXPECT_TRUE(set.empty());
}

TEST(OffsetRangesTest, StoredRangesOutOfOrderOrEmptyAreMergedOrSkipped) {
  OffsetRanges set(Ranges{{7, 9}, {1, 1}, {5, 4}, {2, 3}});
  EXPECT_EQ(set.ranges(), (Ranges{{1, 3}, {7, 9}}));
}

}  // namespace
}  // namespace plexus::host
