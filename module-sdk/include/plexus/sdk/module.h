#pragma once

// The Plexus module SDK.
//
//   #include <plexus/sdk/module.h>
//   int main() {
//     auto module = plexus::sdk::Module::fromEnvironment();  // connects, authenticates, handshakes
//     std::string out = module.setting("out", "/dev/null");  // settings from the node's config
//     module.on(plexus::v1::EVENT_TYPE_NEW_BLOCK, [](const plexus::sdk::Delivery& d) {
//       // d.event() is the plexus::v1::Event; d.sequence(); d.droppedBefore(); d.offset()
//     });
//     return module.run();  // one Subscribe with every handler's type; 0 after NodeShutdown
//   }
//
// Threads: while run() runs, the thread that called it owns the module's socket: it reads each
// batch of events, runs the handlers one at a time, and sends the acks and heartbeats itself, with
// no hand-over to another thread on the event path. Before run() and after it returns, the SDK's
// I/O thread serves the socket instead (heartbeats, publish(), stats(), the Goodbye). publish(),
// stats(), replay() and stop() may be called from any thread, handlers included:
// - from another thread while a handler runs, publish(), stats() and replay() wait until that
//   handler returns (the run() thread serves them between two handlers); stop() takes effect
//   after the events already received;
// - from a handler, publish(), stats() and replay() read the socket themselves until the answer
//   comes, keeping the events that arrive meanwhile for after the handler: at most the credit
//   windows below (the node's credit bounds them) plus lifecycle events and ReplayEnds.
// Liveness during a long handler: the node sees events in flight without an ack and reports
// the module unhealthy ("stalled handler") after its stall timeout; it does not kill a module
// whose process runs, unless the operator configured a handler timeout.
//
// Dispatch order: events received and not yet handled wait in one queue per lane, and the next
// handler always gets the oldest event of the first non-empty lane: lifecycle, then critical,
// then the event lane, then the replay lane last, so a replay never holds up live events
// (delivery order within a lane). Between two handlers, at most every 100 us, run() takes what
// arrived meanwhile, so a critical event (Delivery::isCritical()) starts after the handler that
// runs when it arrives, ahead of event-lane events received before it.
//
// Credit: each event-lane event holds one of the module's `channelCapacity()` slots on the node
// until the SDK acknowledges it, each critical event one of its critical slots, each replay-lane
// event one of its `replayCapacity()` slots; the SDK acknowledges each lane in batches (at half
// its window, or when idle) as handlers finish. So at most those windows of events (plus
// lifecycle events) wait in the SDK.
//
// Replay on request (since protocol 1.5): replay() asks the node for journaled events again, by
// offset (or time) range and type; a module that dropped events (Delivery::droppedBefore()) can
// fill its gaps with it. The node answers at once with the replay's id and last offset; the
// events follow on the replay lane (Delivery::isReplay(), flagged isReplayed()), in journal
// order, with the replay lane's own sequence numbers, through the module's handlers and filters,
// interleaved with live events but dispatched after them. Offsets the journal no longer holds
// (retention) or never held (holes) show as droppedBefore() gaps. After the last event the
// onReplayEnd() handler gets the ReplayEnd (what was sent, holes, trimmed), after every replay
// event received before it. One replay at a time: asking while one runs is ALREADY_EXISTS.
//
// Remote modules (a tcp:// endpoint; README, "More than one machine"): the module connects
// itself over CURVE with its own key pair, and the node takes its id from its key. connect()
// retries a handshake the node answers UNAVAILABLE (the id is still connected from an earlier
// connection) with backoff within ConnectOptions::timeout (the ConnectError of a timeout names the
// node's last such answer). When the connection is lost (the
// node closed it or ZMTP heartbeats went unanswered), run() reconnects with backoff (100 ms
// doubling to 5 s, with jitter; back to 100 ms only after a handshake and subscription
// succeeded), handshakes and subscribes again and goes on: a new incarnation (incarnation()
// changes, sequences start over, the ModuleLoaded replay comes again). Events received but not
// acknowledged at the loss count as lost on the node. Meanwhile publish(), stats() and
// replay() return UNAVAILABLE at once. The node's shutdown does not end run(): NodeShutdown's
// handler runs, then the node's Goodbye (or the connection's loss) is taken as a loss and run()
// reconnects with backoff until the node is back (call stop() from that handler to leave
// instead). The host's Goodbye of an unload ends run() with 0: no reconnection. A refused key, or a
// fatal refusal of the handshake, ends run() with 2. Local (ipc://) modules never reconnect: the
// node respawns them.

#include <plexus/v1/events.pb.h>
#include <plexus/v1/stats.pb.h>
#include <plexus/v1/wire.pb.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>

#include "plexus/ipc/result.h"

namespace plexus::sdk {

// fromEnvironment()/connect() could not connect, authenticate or complete the handshake.
class ConnectError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One delivered event; valid during the handler call.
class Delivery {
 public:
  Delivery(const v1::Event& event, std::uint64_t sequence, std::uint64_t droppedBefore,
           v1::Lane lane, std::uint64_t offset = 0, std::uint32_t flags = 0)
      : m_event(event),
        m_sequence(sequence),
        m_droppedBefore(droppedBefore),
        m_offset(offset),
        m_flags(flags),
        m_lane(lane) {}

  const v1::Event& event() const { return m_event; }
  // Per incarnation and lane, 1-based. On the event lane, sequence() - droppedBefore() - 1 is
  // the sequence of the previous event this module received.
  std::uint64_t sequence() const { return m_sequence; }
  // Events of this lane dropped for this module since the previous delivery (full channel).
  std::uint64_t droppedBefore() const { return m_droppedBefore; }
  // The event's node-wide journal offset (since 1.4): > 0 when the node journaled it, the same
  // for every module that receives the event; 0 when it was not journaled (lifecycle events
  // never are) or the connection negotiated a minor below 1.4.
  std::uint64_t offset() const { return m_offset; }
  // v1::EventFlag bits (since 1.4): EVENT_FLAG_REPLAYED, EVENT_FLAG_REDELIVERED; 0 for a live
  // event.
  std::uint32_t flags() const { return m_flags; }
  // Read back from the journal: a durable module's catch-up after it (re)started or fell
  // behind, in journal order (README, "Durable modules").
  bool isReplayed() const { return (m_flags & v1::EVENT_FLAG_REPLAYED) != 0; }
  // Sent before to an earlier incarnation of this module that did not ack it (it crashed, was
  // killed or reloaded, or the node was killed within a cursor write): handle it idempotently.
  bool isRedelivered() const { return (m_flags & v1::EVENT_FLAG_REDELIVERED) != 0; }
  // Lifecycle events (ModuleLoaded, NodeShutdown, ...) are never dropped or counted.
  bool isLifecycle() const { return m_lane == v1::LANE_LIFECYCLE; }
  // Critical priority (ChainReorg, BlockDisconnected, an urgent maintenance round; see the
  // node's `priorities`), on a lane of its own with its own sequence numbers (since 1.3).
  bool isCritical() const { return m_lane == v1::LANE_CRITICAL; }
  // Sent again because this module asked (Module::replay(), since 1.5), on the replay lane with
  // its own sequence numbers; also isReplayed().
  bool isReplay() const { return m_lane == v1::LANE_REPLAY; }
  v1::Lane lane() const { return m_lane; }

 private:
  const v1::Event& m_event;
  std::uint64_t m_sequence;
  std::uint64_t m_droppedBefore;
  std::uint64_t m_offset;
  std::uint32_t m_flags;
  v1::Lane m_lane;
};

// How the module presents itself in ModuleLoaded.
struct Identity {
  std::string name;     // default: the module id
  std::string version;  // default: the SDK version
};

struct ConnectOptions {
  std::string moduleId;
  // ipc://.../modules.sock: a module plexus-node spawned (with `token`); tcp://HOST:PORT: a
  // remote module (CURVE, with the keys below; see "Remote modules" above).
  std::string endpoint;
  std::string token;  // ipc:// only: the one-time token plexus-node wrote on stdin
  // tcp:// only: the node's public key (Z85, 40 characters), and the module's secret key,
  // either itself (Z85) or the file that holds it (readable by its owner only). The public key
  // the node knows this module by is derived from the secret key.
  std::string serverKey;
  std::string secretKey;
  std::string secretKeyFile;
  Identity identity;
  // 0: the SDK's own version (both). Otherwise the version the handshake claims, to test how
  // the node serves an older minor or refuses another major.
  std::uint32_t protocolMajor = 0;
  std::uint32_t protocolMinor = 0;
  // Connect + authenticate + handshake (for a remote module: every attempt within it).
  std::chrono::milliseconds timeout{10000};
};

class Module {
 public:
  using Handler = std::function<void(const Delivery&)>;

  // The spawn contract: PLEXUS_MODULE_ID and PLEXUS_ENDPOINT from the environment, the token as
  // one line on stdin. For a tcp:// PLEXUS_ENDPOINT (a remote module) nothing is read from
  // stdin: PLEXUS_SERVER_KEY (the node's Z85 public key) and PLEXUS_SECRET_KEY_FILE (the
  // module's secret key file, mode 0600) instead. Throws ConnectError with a clear message.
  static Module fromEnvironment(Identity identity = {});
  static Module connect(const ConnectOptions& options);

  Module(Module&&) noexcept;
  Module& operator=(Module&&) noexcept;
  ~Module();  // says Goodbye if run() did not, stops the I/O thread

  const std::string& id() const;
  // The node's node_name (as in origin.node of the events it stamps), from the handshake; empty
  // when the node is older than that field.
  std::string nodeName() const;
  // Changes when a remote module reconnects: read it from a handler (or outside run()).
  std::uint64_t incarnation() const;
  std::uint32_t channelCapacity() const;
  // The protocol minor the node answered with: the lower of the node's and the one asked for
  // (ConnectOptions). The node sends nothing added after it.
  std::uint32_t protocolMinor() const;
  // The module's replay-lane slots (since 1.5; 0 below, or when the node journals nothing).
  std::uint32_t replayCapacity() const;
  std::string setting(const std::string& key, const std::string& fallback = "") const;
  const std::map<std::string, std::string>& settings() const;

  // Registers the handler of a type (replacing an earlier one). Call before run().
  // `filter`, if not empty, is a content filter over the event's fields (docs/filters.md), e.g.
  // "fee >= 1000 and size < 100000": the node sends only the events that match it (the node's
  // configuration may narrow it further). The node checks it when run() subscribes; if it does
  // not compile, that type alone is not subscribed, and run() says why on stderr (with the
  // column) and carries on with the other types. Needs a node speaking protocol 1.2: with an
  // older one (the connection negotiated a lower minor) the type is not subscribed either, and
  // run() says so.
  void on(v1::EventType type, Handler handler, std::string filter = {});

  // Subscribes to every handler's type (one Subscribe, even with no handlers), then dispatches
  // until the node shuts down (NodeShutdown; its handler runs first if there is one, then the
  // handlers of the events already received), the node
  // unloads the module, or stop() is called: then returns 0. Returns 1 if the node refused the
  // subscription, 2 if the connection to the node was lost (a remote module reconnects
  // instead, after NodeShutdown too, and returns 2 only when the node refuses it for good).
  int run();

  // Any thread: run() returns 0 once the events already received are handled, and the module
  // says Goodbye. The node takes that as the module leaving: no more events, and SIGTERM then
  // SIGKILL if the process does not exit within the node's grace period; exit after run() returns.
  void stop();

  // Any thread. Waits for the node's answer: the event was routed and every block-policy
  // subscriber took it into its channel; the response counts the outcomes (accepted, dropped,
  // failed, timed_out). Errors: PERMISSION_DENIED (host-only type or not in the module's
  // capabilities), INVALID_ARGUMENT (type/payload mismatch), TIMEOUT (a block subscriber did not
  // take it in time), UNAVAILABLE (a block subscriber is stopping, gone or restarting; or the
  // connection was lost). When a block subscriber did not take the event, the error carries the
  // node's full answer in `error().publish`: the counts and every such subscriber with why.
  // A TIMEOUT without `error().publish` is an event the node did not publish at all (the journal
  // made no room for it in time, for a type a durable module subscribes to): publish it again.
  // A relay module's event (origin set, capabilities.relay) whose origin node and offset the node
  // took already is answered with `duplicate()` true and was not routed again.
  Result<v1::PublishResponse> publish(const v1::Event& event);

  // Any thread: this module's delivery statistics, as the node counts them.
  Result<v1::DeliveryStats> stats();

  // Any thread, handlers included: asks the node to replay journaled events (see "Replay on
  // request" above); returns its answer (replay_id, through_offset, types) once the replay
  // started. Errors: INVALID_ARGUMENT (a bad range, or a type not subscribed or not journaled),
  // UNAVAILABLE (the node journals nothing, or the connection is lost; also, without asking,
  // when the connection negotiated a minor below 1.5), ALREADY_EXISTS (a replay of this module
  // is running: wait for its ReplayEnd), PERMISSION_DENIED.
  Result<v1::ReplayResponse> replay(const v1::ReplayRequest& request);

  // Registers the handler of ReplayEnd (replacing an earlier one). Call before run(). It runs on
  // the run() thread, after the handlers of every replay event received before the ReplayEnd.
  // Without one, a ReplayEnd is ignored.
  void onReplayEnd(std::function<void(const v1::ReplayEnd&)> handler);

  // Registers a function the run() thread calls before it acknowledges handled events (each
  // lane's batch ack, the idle ack, the last acks before run() returns), replacing an earlier
  // one. Call before run(). A durable module's cursor moves with those acks, so a handler that
  // hands its work off asynchronously (a publish awaiting a remote store's ack) may return at
  // once if this function completes that work: what it lets pass is acknowledged. What it
  // throws is logged and the acks go out.
  void beforeAck(std::function<void()> settle);
  // Events whose body could not be decoded (acknowledged and skipped).
  std::uint64_t localDecodeErrors() const;

 private:
  class Impl;
  explicit Module(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

}  // namespace plexus::sdk
