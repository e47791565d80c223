// module_server_fuzz: the host's module protocol handler under a script of interleaved messages
// from three modules and host-side actions (exits and restarts, unloads, clock, unreachable or
// full transport, host publishes, sticky events, NodeShutdown, stats reset). See
// module_server_script.h for the input language. After every step it checks what docs/design.md
// promises: both statistics invariants, queued + in_flight <= capacity, counters that only a
// reset lowers, and on the wire: event-lane seqs increasing with dropped_before equal to the
// gap, lifecycle seqs contiguous, every delivered event valid for its lane, one ModuleLoaded per
// loaded incarnation, every reply stamped and answering a request of the module's current
// incarnation.

#include <google/protobuf/text_format.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "delivery/event_factory.h"
#include "fuzz_support.h"
#include "fuzz_targets.h"
#include "module_link/module_server.h"
#include "module_server_fakes.h"
#include "module_server_script.h"
#include "plexus/ipc/envelope_codec.h"
#include "plexus/ipc/event_types.h"
#include "plexus/ipc/protocol.h"

namespace plexus::fuzz {

namespace {

using script::Action;

constexpr std::size_t kMaxSteps = 512;  // keeps one run in the sub-millisecond range

std::string describe(const v1::DeliveryStats& stats) {
  std::string text;
  google::protobuf::TextFormat::PrintToString(stats, &text);
  return text;
}

struct Step {
  int module = 0;  // 0..3 (3: alpha with a wrong User-Id)
  Action action = Action::Message;
  bool flush = true;
  std::string_view payload;
  std::vector<std::string_view> frames;  // message steps
};

std::vector<Step> parseSteps(const std::uint8_t* data, std::size_t size) {
  std::vector<Step> steps;
  for (std::string_view raw : splitFrames(data, size)) {
    if (raw.empty()) continue;
    const auto control = static_cast<std::uint8_t>(raw[0]);
    Step step;
    step.module = control & 3;
    step.action = static_cast<Action>((control >> 2) & 0x0f);
    step.flush = (control & script::kNoFlush) == 0;
    step.payload = raw.substr(1);
    if (step.action == Action::Message2) step.action = Action::Message;
    if (step.action == Action::FrameOfPrevious) {
      if (!steps.empty() &&
          (steps.back().action == Action::Message || steps.back().action == Action::EmptyMessage)) {
        steps.back().frames.push_back(step.payload);
      }
      continue;
    }
    if (step.action == Action::Message) step.frames.push_back(step.payload);
    steps.push_back(step);
    if (steps.size() == kMaxSteps) break;
  }
  return steps;
}

class Harness {
 public:
  Harness() {
    host::ModuleServer::Limits limits;
    limits.requestsPerSecond = 16;  // reachable by one input; refill is negligible within it
    limits.maxOutstandingPublishes = 4;
    limits.blockTimeoutMs = 50;
    m_server = std::make_unique<host::ModuleServer>(m_transport, m_events, m_registry, limits);

    v1::Event health = host::hostEvent(v1::EVENT_TYPE_HEALTH_CHECK);
    health.mutable_health_check()->set_modules_total(3);
    m_health = host::serializeEvent(health);
    v1::Event disk = host::hostEvent(v1::EVENT_TYPE_DISK_SPACE_LOW);
    disk.mutable_disk_space_low()->set_path("/var/lib/plexus");
    m_diskLow = host::serializeEvent(disk);
    v1::Event shutdown = host::hostEvent(v1::EVENT_TYPE_NODE_SHUTDOWN);
    shutdown.mutable_node_shutdown()->set_reason("fuzz");
    m_shutdown = host::serializeEvent(shutdown);
  }

  void run(const std::vector<Step>& steps) {
    for (const Step& step : steps) {
      if (tracing()) trace(step);
      execute(step);
      m_events.expire();  // the loop's after-hook: expire, flush, unreachable modules
      if (step.flush) m_events.flush();
      std::set<std::string> gone = m_registry.takeKilled();
      for (auto& id : m_events.takeUnreachable())
        gone.insert(id);
      for (const auto& id : gone)
        m_registry.exit(id);
      checkInvariants();
    }
    m_events.flush();
    checkInvariants();
  }

 private:
  host::EventManager::Options options() {
    host::EventManager::Options options;
    options.blockTimeout = std::chrono::milliseconds(50);
    options.maxBatchEvents = 3;  // small batches: several per flush
    options.maxBatchBytes = 256;
    options.steadyNow = [this] { return m_now; };
    options.wallNowMs = [this] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(m_now.time_since_epoch())
          .count();
    };
    // The default critical types, and DiskSpaceLow: its sticky replay takes the critical lane.
    options.criticalTypes.set(v1::EVENT_TYPE_CHAIN_REORG);
    options.criticalTypes.set(v1::EVENT_TYPE_BLOCK_DISCONNECTED);
    options.criticalTypes.set(v1::EVENT_TYPE_DISK_SPACE_LOW);
    return options;
  }

  void send(const std::string& routingId, std::string_view userId,
            const std::vector<std::string_view>& frames) {
    std::vector<zmq::message_t> messages;
    messages.reserve(frames.size());
    for (std::string_view frame : frames)
      messages.emplace_back(frame.data(), frame.size());
    if (userId == routingId && frames.size() == 1 &&
        m_sent.ParseFromArray(frames[0].data(), static_cast<int>(frames[0].size()))) {
      m_transport.sentByModule(routingId, m_sent);
    }
    m_server->handle(routingId, userId, messages);
  }

  void ack(const std::string& moduleId, std::uint64_t throughSeq, v1::Lane lane = v1::LANE_EVENT) {
    v1::Envelope envelope;
    ipc::stampVersion(envelope);
    envelope.mutable_ack()->set_through_seq(throughSeq);
    if (lane == v1::LANE_CRITICAL) envelope.mutable_ack()->set_lane(lane);
    zmq::message_t frame = ipc::encodeEnvelope(envelope);
    send(moduleId, moduleId, {std::string_view(frame.data<char>(), frame.size())});
  }

  void execute(const Step& step) {
    const std::string id = script::kModules[step.module == 3 ? 0 : step.module];
    const std::uint8_t arg = step.payload.empty() ? 0 : static_cast<std::uint8_t>(step.payload[0]);
    switch (step.action) {
      case Action::Message:
      case Action::Message2:
      case Action::EmptyMessage:
        send(id, step.module == 3 ? "intruder" : id, step.frames);
        return;
      case Action::FrameOfPrevious:
        return;  // merged into the previous message by parseSteps
      case Action::AckAll:
        ack(id, m_transport.lastEventSeq(id));
        if (const std::uint64_t critical = m_transport.lastCriticalSeq(id); critical > 0) {
          ack(id, critical, v1::LANE_CRITICAL);
        }
        return;
      case Action::AckSome: {
        const std::uint64_t last = m_transport.lastEventSeq(id);
        ack(id, last > arg ? last - arg : 0);
        return;
      }
      case Action::ExitOrRespawn:
        if (m_registry.isRunning(id)) {
          m_registry.exit(id);
        } else {
          m_registry.respawn(id);
        }
        return;
      case Action::AdvanceClock:
        m_now += std::chrono::milliseconds(10 * (arg + 1));
        return;  // expire() runs after every step
      case Action::ToggleUnreachable:
        m_transport.toggleUnreachable(id);
        return;
      case Action::Unload:
        if (!m_registry.isHandshaken(id)) {
          m_registry.exit(id);  // still starting: SIGTERM at once
          return;
        }
        m_events.beginStopping(id);
        {
          v1::Envelope goodbye;
          ipc::stampVersion(goodbye);
          goodbye.mutable_goodbye()->set_reason("unloaded");
          m_server->send(id, goodbye);
        }
        return;
      case Action::HostPublish:
        (void)m_events.publish(v1::EVENT_TYPE_HEALTH_CHECK, m_health);
        return;
      case Action::StickyOn:
        m_events.publishSticky(v1::EVENT_TYPE_DISK_SPACE_LOW, m_diskLow);
        return;
      case Action::StickyOff:
        m_events.clearSticky(v1::EVENT_TYPE_DISK_SPACE_LOW);
        return;
      case Action::NodeShutdown:
        m_events.publishToAll(m_shutdown);
        return;
      case Action::ResetStats:
        m_events.resetStats(id);
        m_previous.erase(id);  // a reset may lower counters
        return;
      case Action::ToggleWouldBlock:
        m_transport.toggleWouldBlock(id);
        return;
    }
  }

  void trace(const Step& step) {
    std::fprintf(stderr, "step: module %d, action %d%s", step.module, static_cast<int>(step.action),
                 step.flush ? "" : " (no flush)");
    v1::Envelope envelope;
    for (std::string_view frame : step.frames) {
      const bool decoded = envelope.ParseFromArray(frame.data(), static_cast<int>(frame.size()));
      std::fprintf(stderr, "\n    frame (%zu bytes): %s", frame.size(),
                   decoded ? envelope.ShortDebugString().c_str() : "(not an Envelope)");
    }
    std::fprintf(stderr, "\n");
  }

  void checkInvariants() {
    for (const v1::DeliveryStats& s : m_events.allStats()) {
      PLEXUS_FUZZ_CHECK(s.routed() == s.successful() + s.channel_full() + s.failed(),
                        "routed != successful + channel_full + failed:\n" + describe(s));
      PLEXUS_FUZZ_CHECK(s.successful() == s.acked() + s.queued() + s.in_flight() + s.lost(),
                        "successful != acked + queued + in_flight + lost:\n" + describe(s));
      PLEXUS_FUZZ_CHECK(s.queued() + s.in_flight() <= s.capacity(),
                        "queued + in_flight > capacity:\n" + describe(s));
      PLEXUS_FUZZ_CHECK(s.max_held() <= s.capacity(), "max_held > capacity:\n" + describe(s));
      std::uint64_t laneRouted = 0, laneAcked = 0;
      for (const v1::LaneStats& lane : s.lanes()) {
        PLEXUS_FUZZ_CHECK(
            lane.routed() == lane.successful() + lane.channel_full() + lane.failed() &&
                lane.successful() ==
                    lane.acked() + lane.queued() + lane.in_flight() + lane.lost() &&
                lane.queued() + lane.in_flight() <= lane.capacity() &&
                lane.max_held() <= lane.capacity(),
            "a lane's invariant broke:\n" + describe(s));
        laneRouted += lane.routed();
        laneAcked += lane.acked();
      }
      PLEXUS_FUZZ_CHECK(laneRouted == s.routed() && laneAcked == s.acked(),
                        "the totals are not the lanes' sums:\n" + describe(s));
      auto previous = m_previous.find(s.module_id());
      if (previous != m_previous.end()) {
        const v1::DeliveryStats& p = previous->second;
        PLEXUS_FUZZ_CHECK(
            s.routed() >= p.routed() && s.successful() >= p.successful() &&
                s.channel_full() >= p.channel_full() && s.failed() >= p.failed() &&
                s.acked() >= p.acked() && s.lost() >= p.lost() &&
                s.decode_errors() >= p.decode_errors() && s.rejected() >= p.rejected() &&
                s.max_held() >= p.max_held(),
            "a counter went down without a reset:\n" + describe(p) + "->\n" + describe(s));
      }
      m_previous[s.module_id()] = s;
      if (tracing()) std::fprintf(stderr, "    stats: %s\n", s.ShortDebugString().c_str());
    }
  }

  std::chrono::steady_clock::time_point m_now{std::chrono::hours(1)};
  FuzzTransport m_transport;
  host::EventManager m_events{m_transport, options()};
  FuzzRegistry m_registry{m_events, m_transport};
  std::unique_ptr<host::ModuleServer> m_server;
  ipc::SharedBytes m_health;
  ipc::SharedBytes m_diskLow;
  ipc::SharedBytes m_shutdown;
  std::map<std::string, v1::DeliveryStats> m_previous;
  v1::Envelope m_sent;
};

}  // namespace

int moduleServer(const std::uint8_t* data, std::size_t size) {
  quietLogging();
  Harness harness;
  harness.run(parseSteps(data, size));
  return 0;
}

}  // namespace plexus::fuzz
