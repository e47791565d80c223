#pragma once

// ReplayOnRequestTest: DurableTest with plain (not durable) modules of protocol 1.5 that ask for
// replays (event_manager_replay_on_request_test.cpp, event_manager_replay_paths_test.cpp).

#include <string>
#include <vector>

#include "durable_fixture.h"

namespace plexus::host {

class ReplayOnRequestTest : public DurableTest {
 protected:
  // A plain (not durable) module of protocol 1.5 subscribed to NewBlock.
  void attachPlain(const std::string& id, std::uint32_t capacity, bool replay = true) {
    ModuleAttachment module;
    module.moduleId = module.name = id;
    module.capacity = capacity;
    module.offsets = true;
    module.replay = replay;
    m_em->attach(module);
    ASSERT_TRUE(m_em->subscribe(id, std::vector{v1::EVENT_TYPE_NEW_BLOCK}).ok());
  }
  static v1::ReplayRequest from(std::uint64_t first, std::uint64_t until = 0) {
    v1::ReplayRequest request;
    request.set_from_offset(first);
    request.set_until_offset(until);
    return request;
  }
  // What `id` was sent on `lane`, flushed first (everything sent is kept in m_sink).
  std::vector<Delivered> sent(const std::string& id, v1::Lane lane) {
    m_em->flush();
    return m_sink.lane(id, lane);
  }
  // Serves journal reads and acks the replay lane until `id` got its ReplayEnd.
  bool replayToEnd(const std::string& id) {
    return until([&] {
      std::vector<Delivered> replayed = sent(id, v1::LANE_REPLAY);
      if (!replayed.empty()) {
        EXPECT_TRUE(m_em->ack(id, replayed.back().seq, v1::LANE_REPLAY).ok());
      }
      if (m_journal->reads().mayHaveItems()) m_journal->onReads();
      return !m_sink.replayEnds[id].empty();
    });
  }
  // The error code of each request in turn (UNSPECIFIED: it was accepted).
  std::vector<v1::ErrorCode> errorsOf(const std::string& id,
                                      const std::vector<v1::ReplayRequest>& requests) {
    std::vector<v1::ErrorCode> codes;
    for (const auto& request : requests) {
      auto answer = m_em->requestReplay(id, request);
      codes.push_back(answer ? v1::ERROR_CODE_UNSPECIFIED : answer.error().code);
    }
    return codes;
  }
};

}  // namespace plexus::host
