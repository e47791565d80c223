// EventManager with the node's Journal (Options::journal): every publish of a journaled type
// takes the next offset before it is routed - also when nobody subscribes - and its subscribers
// get the event with that offset; other types and lifecycle events take none.

#include <memory>

#include "event_manager_fixture.h"
#include "fakes/memory_journal.h"
#include "journal/journal.h"

namespace plexus::host {
namespace {

v1::Event peerEvent(const std::string& peer) {
  v1::Event event = hostEvent(v1::EVENT_TYPE_PEER_CONNECTED);
  event.mutable_peer_connected()->set_peer_id(peer);
  return event;
}

// The node's journal, in memory, journaling NewBlock and GovernanceProposalCreated. A base
// class listed before EventManagerTest: made before the manager, destroyed after it.
struct MemoryJournalHolder {
  static JournalSettings settings() {
    JournalSettings settings;
    settings.directory = "memory";
    settings.types.set(v1::EVENT_TYPE_NEW_BLOCK);
    settings.types.set(v1::EVENT_TYPE_GOVERNANCE_PROPOSAL_CREATED);
    return settings;
  }
  Journal journal{std::make_unique<MemoryJournal>(), settings()};
};

class EventManagerJournalTest : public MemoryJournalHolder, public EventManagerTest {
 public:
  EventManagerJournalTest() : EventManagerTest(&journal) {}
};

TEST_F(EventManagerJournalTest, JournaledTypesTakeTheNextOffsetWhoeverSubscribes) {
  load("m", 10,
       {v1::EVENT_TYPE_NEW_BLOCK, v1::EVENT_TYPE_PEER_CONNECTED, v1::EVENT_TYPE_MODULE_LOADED});
  sink.delivered.clear();

  v1::Event block = hostEvent(v1::EVENT_TYPE_NEW_BLOCK);
  block.mutable_new_block()->set_height(1);
  em.publish(v1::EVENT_TYPE_NEW_BLOCK, serializeEvent(block));                // offset 1
  em.publish(v1::EVENT_TYPE_PEER_CONNECTED, serializeEvent(peerEvent("p")));  // not journaled
  v1::Event proposal = hostEvent(v1::EVENT_TYPE_GOVERNANCE_PROPOSAL_CREATED);
  em.publish(proposal.type(), serializeEvent(proposal));  // offset 2: nobody subscribes
  block.mutable_new_block()->set_height(2);
  em.publish(v1::EVENT_TYPE_NEW_BLOCK, serializeEvent(block));  // offset 3
  em.flush();

  const auto events = sink.lane("m", v1::LANE_EVENT);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].offset, 1u);
  EXPECT_EQ(events[1].offset, 0u);
  EXPECT_EQ(events[2].offset, 3u);
  for (const auto& lifecycle : sink.lane("m", v1::LANE_LIFECYCLE))
    EXPECT_EQ(lifecycle.offset, 0u);
  journal.stop();
  EXPECT_EQ(journal.status().journaled, 3u);
  EXPECT_EQ(journal.status().last.committedThrough, 3u);
}

}  // namespace
}  // namespace plexus::host
