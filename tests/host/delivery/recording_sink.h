#pragma once

// Test doubles of delivery's two callbacks: an EventSink that records every batch per module
// (and can be told to refuse: would block, unreachable) and a PublishWaiter that records every
// resolved publish by token.

#include <gtest/gtest.h>
#include <plexus/v1/events.pb.h>

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "delivery/event_sink.h"
#include "delivery/publish_waiter.h"

namespace plexus::host {

struct Delivered {
  v1::Lane lane;
  std::uint64_t seq;
  std::uint64_t droppedBefore;
  std::string body;
  std::uint64_t offset = 0;  // as handed to the encoder: 0 is left off the wire
  std::uint32_t flags = 0;   // v1::EventFlag bits, likewise
};

class RecordingSink : public EventSink {
 public:
  SendStatus sendEvents(const std::string& id, v1::Lane lane,
                        std::span<const ipc::OutgoingEvent> events) override {
    auto mode = modes[id];
    if (mode != SendStatus::Sent) return mode;
    ++batches[id];
    for (const auto& e : events) {
      delivered[id].push_back(
          {lane, e.seq, e.droppedBefore, std::string(e.body->view()), e.offset, e.flags});
    }
    return SendStatus::Sent;
  }
  SendStatus sendReplayEnd(const std::string& id, const v1::ReplayEnd& end) override {
    auto mode = endModes.contains(id) ? endModes[id] : modes[id];
    if (mode != SendStatus::Sent) return mode;
    replayEnds[id].push_back({end, delivered[id].size()});
    return SendStatus::Sent;
  }
  std::vector<Delivered> lane(const std::string& id, v1::Lane lane) const {
    std::vector<Delivered> out;
    auto it = delivered.find(id);
    if (it == delivered.end()) return out;
    for (const auto& d : it->second) {
      if (d.lane == lane) out.push_back(d);
    }
    return out;
  }
  // The NewBlock heights delivered to `id` on the event lane, in order.
  std::vector<std::uint64_t> heights(const std::string& id) const {
    std::vector<std::uint64_t> out;
    for (const auto& d : lane(id, v1::LANE_EVENT)) {
      v1::Event event;
      EXPECT_TRUE(event.ParseFromString(d.body));
      out.push_back(event.new_block().height());
    }
    return out;
  }
  std::map<std::string, std::vector<Delivered>> delivered;
  struct RecordedEnd {
    v1::ReplayEnd end;
    std::size_t after = 0;  // how many events `delivered` held for the module when it was sent
  };
  std::map<std::string, std::vector<RecordedEnd>> replayEnds;
  std::map<std::string, int> batches;
  std::map<std::string, SendStatus> modes;
  std::map<std::string, SendStatus> endModes;  // for ReplayEnds only, when set (else modes)
};

struct RecordingWaiter : PublishWaiter {
  void onPublishDone(std::uint64_t token, const PublishReport& report) override {
    done[token] = report;
    ++calls;
  }
  std::map<std::uint64_t, PublishReport> done;
  std::size_t calls = 0;  // more than done.size() when a token was told twice
};

}  // namespace plexus::host
