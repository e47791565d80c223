#pragma once

// RecordingSink: an EventSink for unit tests that records every event handed to it, per
// subscriber, and parses the bodies on inspection; a subscriber can be made unreachable.
// Thread rule: the test's thread.

#include <gtest/gtest.h>
#include <plexus/v1/events.pb.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "delivery/event_sink.h"

namespace plexus::host::fakes {

class RecordingSink final : public EventSink {
 public:
  struct Delivered {
    v1::Lane lane;
    std::uint64_t seq;
    std::string body;
  };

  SendStatus sendEvents(const std::string& subscriberId, v1::Lane lane,
                        std::span<const ipc::OutgoingEvent> events) override {
    if (unreachable.contains(subscriberId)) return SendStatus::Unreachable;
    for (const auto& e : events)
      delivered[subscriberId].push_back({lane, e.seq, std::string(e.body->view())});
    return SendStatus::Sent;
  }

  // The events `subscriberId` received on `lane`, parsed.
  std::vector<v1::Event> events(const std::string& subscriberId,
                                v1::Lane lane = v1::LANE_EVENT) const {
    std::vector<v1::Event> out;
    auto it = delivered.find(subscriberId);
    if (it == delivered.end()) return out;
    for (const auto& d : it->second) {
      if (d.lane != lane) continue;
      v1::Event event;
      EXPECT_TRUE(event.ParseFromString(d.body));
      out.push_back(event);
    }
    return out;
  }

  std::map<std::string, std::vector<Delivered>> delivered;
  std::set<std::string> unreachable;
};

}  // namespace plexus::host::fakes
