#pragma once

// RecordedEvents: a real EventManager for unit tests of the classes that drive it (supervisor,
// host services). Its sink records every delivery, and an operator tap ("tap") subscribes to
// the types the test watches, so the test reads back the events the class under test published.
// Its clock is the test's Timers.

#include <gtest/gtest.h>

#include <map>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "delivery/event_manager.h"
#include "runtime/timers.h"

namespace plexus::host {

class RecordedEvents {
 public:
  struct Delivery {
    v1::Lane lane;
    std::uint64_t seq;
    v1::Event event;
  };

  RecordedEvents(Timers& timers, std::vector<v1::EventType> watched)
      : m_manager(m_sink, optionsFor(timers)) {
    ModuleAttachment tap;
    tap.moduleId = "tap";
    tap.capacity = 100000;
    tap.tap = true;
    m_manager.attach(tap);
    if (!watched.empty()) {
      EXPECT_TRUE(m_manager.subscribe("tap", watched).ok());
    }
  }

  EventManager& manager() { return m_manager; }

  // Flushes; every event a subscriber received since the last call, in order.
  std::vector<Delivery> takeFor(const std::string& subscriber) {
    m_manager.flush();
    return std::exchange(m_sink.delivered[subscriber], {});
  }
  // The events the tap received since the last call.
  std::vector<v1::Event> take() {
    std::vector<v1::Event> out;
    for (auto& delivery : takeFor("tap"))
      out.push_back(std::move(delivery.event));
    return out;
  }
  // The types of take().
  std::vector<v1::EventType> takeTypes() {
    std::vector<v1::EventType> out;
    for (const auto& event : take())
      out.push_back(event.type());
    return out;
  }

 private:
  class Sink final : public EventSink {
   public:
    SendStatus sendEvents(const std::string& id, v1::Lane lane,
                          std::span<const ipc::OutgoingEvent> events) override {
      for (const auto& e : events) {
        Delivery delivery{lane, e.seq, {}};
        EXPECT_TRUE(delivery.event.ParseFromString(std::string(e.body->view())));
        delivered[id].push_back(std::move(delivery));
      }
      return SendStatus::Sent;
    }
    std::map<std::string, std::vector<Delivery>> delivered;
  };

  static EventManager::Options optionsFor(Timers& timers) {
    EventManager::Options options;
    options.steadyNow = [&timers] { return timers.now(); };
    options.wallNowMs = [] { return 1234; };
    return options;
  }

  Sink m_sink;  // before the manager, which holds a reference to it
  EventManager m_manager;
};

}  // namespace plexus::host
