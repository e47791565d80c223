// PendingEvents and LaneAcks (module-sdk/src/pending_events.h): the run() loop's queues hand out
// the oldest event of the first non-empty lane (lifecycle, critical, event), across batch
// boundaries, and each acked lane's credit is due at its own half window.

#include "pending_events.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace plexus::sdk::detail {
namespace {

// A decoded batch of `lane` whose events have seqs `seqs` and bodies "<lane>:<seq>".
ipc::ReceivedBatch batch(v1::Lane lane, const std::vector<std::uint64_t>& seqs,
                         std::vector<std::string>& storage) {
  ipc::ReceivedBatch out;
  out.lane = lane;
  for (std::uint64_t seq : seqs) {
    v1::EventMeta meta;
    meta.set_seq(seq);
    out.metas.push_back(meta);
    storage.push_back(std::to_string(lane) + ":" + std::to_string(seq));
  }
  // The views point into `storage`, which must not reallocate: reserved by the caller.
  for (std::size_t i = storage.size() - seqs.size(); i < storage.size(); ++i)
    out.bodies.emplace_back(storage[i]);
  return out;
}

std::vector<std::string> drain(PendingEvents& pending) {
  std::vector<std::string> out;
  while (!pending.empty()) {
    const auto next = pending.front();
    EXPECT_EQ(std::string(next.body),
              std::to_string(next.lane) + ":" + std::to_string(next.meta->seq()));
    out.emplace_back(next.body);
    pending.pop();
  }
  return out;
}

TEST(PendingEventsTest, TheFirstNonEmptyLaneGoesFirstAndEachLaneKeepsItsOrder) {
  std::vector<std::string> storage;
  storage.reserve(64);
  PendingEvents pending;
  pending.push(batch(v1::LANE_EVENT, {1, 2}, storage));
  pending.push(batch(v1::LANE_EVENT, {3}, storage));
  pending.push(batch(v1::LANE_CRITICAL, {1}, storage));
  pending.push(batch(v1::LANE_LIFECYCLE, {1}, storage));
  pending.push(batch(v1::LANE_CRITICAL, {2, 3}, storage));
  EXPECT_EQ(pending.size(), 7u);
  EXPECT_TRUE(pending.hasCritical());
  const std::string e = std::to_string(v1::LANE_EVENT) + ":";
  const std::string c = std::to_string(v1::LANE_CRITICAL) + ":";
  const std::string l = std::to_string(v1::LANE_LIFECYCLE) + ":";
  EXPECT_EQ(drain(pending), (std::vector<std::string>{l + "1", c + "1", c + "2", c + "3", e + "1",
                                                      e + "2", e + "3"}));
  EXPECT_FALSE(pending.hasCritical());
}

TEST(PendingEventsTest, ACriticalBatchPushedMidBatchIsNextAfterTheCurrentEvent) {
  std::vector<std::string> storage;
  storage.reserve(64);
  PendingEvents pending;
  pending.push(batch(v1::LANE_EVENT, {1, 2, 3}, storage));
  EXPECT_EQ(pending.front().meta->seq(), 1u);
  pending.pop();
  pending.push(batch(v1::LANE_CRITICAL, {1}, storage));
  EXPECT_EQ(pending.front().lane, v1::LANE_CRITICAL);
  pending.pop();
  EXPECT_EQ(pending.front().lane, v1::LANE_EVENT);
  EXPECT_EQ(pending.front().meta->seq(), 2u) << "the event lane resumes where it was";
  pending.push(batch(v1::LANE_EVENT, {}, storage));  // an empty batch is ignored
  EXPECT_EQ(pending.size(), 2u);
}

// Wire 1.5: the replay lane is served last, after the event lane, so a replay never starves live
// events; within it, delivery order across batches.
TEST(PendingEventsTest, TheReplayLaneGoesAfterTheEventLane) {
  std::vector<std::string> storage;
  storage.reserve(64);
  PendingEvents pending;
  pending.push(batch(v1::LANE_REPLAY, {1, 2}, storage));
  pending.push(batch(v1::LANE_EVENT, {1}, storage));
  pending.push(batch(v1::LANE_REPLAY, {3}, storage));
  pending.push(batch(v1::LANE_CRITICAL, {1}, storage));
  pending.push(batch(v1::LANE_EVENT, {2}, storage));
  const std::string r = std::to_string(v1::LANE_REPLAY) + ":";
  const std::string e = std::to_string(v1::LANE_EVENT) + ":";
  const std::string c = std::to_string(v1::LANE_CRITICAL) + ":";
  EXPECT_EQ(drain(pending),
            (std::vector<std::string>{c + "1", e + "1", e + "2", r + "1", r + "2", r + "3"}));
}

// What handleNext() sees, one entry per front(): "E<seq>", "R<seq>", "end<replay id>".
std::vector<std::string> drainWithEnds(PendingEvents& pending) {
  std::vector<std::string> out;
  while (!pending.empty()) {
    const auto next = pending.front();
    if (next.replayEnd != nullptr) {
      EXPECT_EQ(next.lane, v1::LANE_REPLAY);
      out.push_back("end" + std::to_string(next.replayEnd->replay_id()));
    } else {
      out.push_back((next.lane == v1::LANE_REPLAY ? "R" : "E") + std::to_string(next.meta->seq()));
    }
    pending.pop();
  }
  return out;
}

v1::ReplayEnd replayEnd(std::uint64_t id) {
  v1::ReplayEnd end;
  end.set_replay_id(id);
  return end;
}

// A ReplayEnd waits in the replay lane as a marker: after every replay event pushed before it,
// before those pushed after it, and behind the live lanes like the replay events.
TEST(PendingEventsTest, AReplayEndComesAfterTheReplayEventsReceivedBeforeIt) {
  std::vector<std::string> storage;
  storage.reserve(64);
  PendingEvents pending;
  pending.push(batch(v1::LANE_REPLAY, {1, 2}, storage));
  pending.push(replayEnd(1));
  pending.push(batch(v1::LANE_REPLAY, {3}, storage));
  pending.push(batch(v1::LANE_EVENT, {1}, storage));
  pending.push(replayEnd(2));
  pending.push(replayEnd(3));  // an empty replay: nothing between two ends
  EXPECT_EQ(pending.size(), 4u) << "ReplayEnds are not events";
  EXPECT_EQ(drainWithEnds(pending),
            (std::vector<std::string>{"E1", "R1", "R2", "end1", "R3", "end2", "end3"}));

  // Alone, and with the replay events already handled when it comes.
  pending.push(replayEnd(4));
  EXPECT_FALSE(pending.empty());
  pending.push(batch(v1::LANE_REPLAY, {4}, storage));
  EXPECT_EQ(drainWithEnds(pending), (std::vector<std::string>{"end4", "R4"}));
  pending.push(batch(v1::LANE_REPLAY, {5}, storage));
  EXPECT_EQ(pending.front().meta->seq(), 5u);
  pending.pop();
  pending.push(replayEnd(5));
  EXPECT_EQ(drainWithEnds(pending), (std::vector<std::string>{"end5"}));
  EXPECT_TRUE(pending.empty());
}

TEST(LaneAcksTest, TheReplayLaneIsAckedAtItsOwnWindow) {
  LaneAcks acks(5, 5, 2);
  EXPECT_FALSE(acks.handled(v1::LANE_REPLAY, 1));
  EXPECT_TRUE(acks.unacked(v1::LANE_REPLAY));
  EXPECT_FALSE(acks.unacked(v1::LANE_EVENT));
  EXPECT_TRUE(acks.anyUnacked()) << "an idle flush returns replay credit too";
  EXPECT_TRUE(acks.handled(v1::LANE_REPLAY, 2));
  EXPECT_EQ(acks.take(v1::LANE_REPLAY), 2u);
  EXPECT_FALSE(acks.anyUnacked());
}

TEST(LaneAcksTest, EachAckedLaneIsDueAtItsOwnWindowAndLifecycleNever) {
  LaneAcks acks(2, 1, 3);
  EXPECT_FALSE(acks.anyUnacked());
  EXPECT_FALSE(acks.handled(v1::LANE_LIFECYCLE, 1));
  EXPECT_FALSE(acks.anyUnacked()) << "lifecycle events are never acked";
  EXPECT_FALSE(acks.handled(v1::LANE_EVENT, 1));
  EXPECT_TRUE(acks.unacked(v1::LANE_EVENT));
  EXPECT_FALSE(acks.unacked(v1::LANE_CRITICAL));
  EXPECT_TRUE(acks.handled(v1::LANE_CRITICAL, 7));
  EXPECT_EQ(acks.take(v1::LANE_CRITICAL), 7u);
  EXPECT_FALSE(acks.unacked(v1::LANE_CRITICAL));
  EXPECT_TRUE(acks.handled(v1::LANE_EVENT, 2));
  EXPECT_EQ(acks.take(v1::LANE_EVENT), 2u) << "cumulative: through the last handled seq";
  EXPECT_FALSE(acks.anyUnacked());
}

}  // namespace
}  // namespace plexus::sdk::detail
