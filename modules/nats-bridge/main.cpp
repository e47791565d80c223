// plexus-nats-bridge: bridges this node's events to NATS JetStream and other nodes' events back
// (README "More than one machine", docs/design.md "The NATS bridge").
//
// Export: a durable, drop-policy module subscribed to the `export` types. Each event without an
// origin (accepted on this node; a relayed one has one) goes to `plexus.<node>.<type>` with the
// origin built here {node, source, journal offset, published_at} and message id
// `<node>:<journal offset>`, published asynchronously (a window of publishes in flight); before
// the SDK acks anything (Module::beforeAck, so before the durable cursor moves) the exporter
// waits until JetStream stored every event handed out, publishing again what it did not
// confirm, retrying while NATS is down. Relayed events are never exported (no loops).
// Import: per node in `import`, a thread pulls `plexus.<origin>.>` through the durable consumer
// `<node>_from_<origin>`, publishes each event into this node with its origin kept (needs
// capabilities.relay and the types in capabilities.publish), records its offset in the import
// ledger, then acks it to JetStream; an offset the ledger holds is a redelivery: dropped. The
// node itself drops a relayed (origin node, offset) it took already and answers `duplicate`
// (what a bridge killed between the node's answer and the ledger write publishes again): the
// ledger is only the cheap first filter.
// Settings: nats_url, node (default and only accepted value: this node's node_name, from the
// handshake), export, import, state_dir.
//
// Threads: run() thread = the export handlers and settle(); one import thread per origin node,
// owning its consumer and ledger; the JetStream connection is shared (thread-safe).

#include <plexus/sdk/module.h>

#include <atomic>
#include <iostream>
#include <thread>
#include <vector>

#include "bridge_settings.h"
#include "import_ledger.h"
#include "jetstream.h"
#include "plexus/ipc/event_types.h"

namespace {

using namespace std::chrono_literals;
using plexus::bridge::BridgeSettings;
using plexus::bridge::JetStream;

void log(const std::string& line) {
  std::cerr << "plexus-nats-bridge: " << line << std::endl;
}

// Logs the first failure of a run of failures, then at most one every 10 s.
class FailureLog {
 public:
  void failed(const std::string& what) {
    const auto now = std::chrono::steady_clock::now();
    ++m_count;
    if (m_count == 1 || now - m_last >= 10s) {
      log(what + (m_count > 1 ? " (" + std::to_string(m_count) + " failures so far)" : ""));
      m_last = now;
    }
  }
  void recovered(const std::string& what) {
    if (m_count > 0) log(what + " after " + std::to_string(m_count) + " failures");
    m_count = 0;
  }

 private:
  std::uint64_t m_count = 0;
  std::chrono::steady_clock::time_point m_last;
};

// The run() thread's export: handle() sends an event to JetStream, settle() (before every SDK
// ack) returns once JetStream stored all sent, so the SDK acks only what NATS holds.
class Exporter {
 public:
  Exporter(JetStream& js, const BridgeSettings& settings) : m_js(js), m_settings(settings) {}

  void handle(const plexus::sdk::Delivery& d) {
    const plexus::v1::Event& event = d.event();
    if (event.has_origin()) return;  // imported or relayed into this node: no loops
    if (d.offset() == 0) {
      if (!m_warnedUnjournaled) {
        log("event type " + plexus::ipc::displayName(event.type()) +
            " is not journaled on this node: not exported (export only journaled types)");
        m_warnedUnjournaled = true;
      }
      return;
    }
    plexus::v1::Event out = event;
    auto* origin = out.mutable_origin();  // where and when it was first accepted: here
    origin->set_node(m_settings.node);
    origin->set_module(event.source());
    origin->set_offset(d.offset());
    origin->set_published_at_unix_ns(event.published_at_unix_ns());
    const std::string data = out.SerializeAsString();
    const std::string subject = plexus::bridge::subjectFor(m_settings.node, event.type());
    const std::string id = plexus::bridge::messageId(m_settings.node, d.offset());
    if (m_js.publishAsync(subject, data, id).empty()) return;  // settle() confirms it
    untilStored(id, [&] {
      bool duplicate = false;
      return m_js.publish(subject, data, id, duplicate);
    });
  }

  // Module::beforeAck: the SDK acks (and the durable cursor passes) only what this lets pass, so
  // it returns once JetStream stored every event handed out so far, publishing again (same
  // message id: no duplicate) those it did not confirm.
  void settle() {
    for (auto& message : m_js.awaitAsync(2s)) {
      const char* id = nullptr;
      if (natsMsgHeader_Get(message.get(), "Nats-Msg-Id", &id) != NATS_OK) id = "?";
      untilStored(id, [&] { return m_js.republish(message.get()); });
    }
  }

 private:
  // Retries `publish` (empty = stored) until JetStream stored the event; logs the failures.
  template <typename Publish>
  void untilStored(const std::string& id, Publish publish) {
    auto backoff = 50ms;
    for (;;) {
      const std::string error = publish();
      if (error.empty()) {
        m_failures.recovered("export: JetStream publishes work again");
        return;
      }
      m_failures.failed(std::string("export: publish of ")
                            .append(id)
                            .append(" failed: ")
                            .append(error)
                            .append("; retrying (the event stays unacked)"));
      std::this_thread::sleep_for(backoff);  // retry backoff while NATS is unreachable
      backoff = std::min<std::chrono::milliseconds>(backoff * 2, 1s);
    }
  }

  JetStream& m_js;
  const BridgeSettings& m_settings;
  FailureLog m_failures;
  bool m_warnedUnjournaled = false;
};

// One origin node's import thread: owns its consumer and ledger.
class Importer {
 public:
  Importer(plexus::sdk::Module& module, JetStream& js, const BridgeSettings& settings,
           std::string origin, const std::atomic<bool>& stopping)
      : m_module(module),
        m_js(js),
        m_settings(settings),
        m_origin(std::move(origin)),
        m_stopping(stopping),
        m_ledger(settings.stateDir, m_origin) {}

  void run() {
    const std::string filter = "plexus." + m_origin + ".>";
    const std::string durable = plexus::bridge::durableName(m_settings.node, m_origin);
    std::unique_ptr<plexus::bridge::PullConsumer> consumer;
    while (!m_stopping) {
      if (!consumer) {
        try {
          consumer = m_js.pullSubscribe(filter, durable);
          log(std::string("import: ")
                  .append(durable)
                  .append(" pulls ")
                  .append(filter)
                  .append(" (imported through offset ")
                  .append(std::to_string(m_ledger.highest()))
                  .append(")"));
        } catch (const std::exception& e) {
          m_failures.failed(std::string("import: ") + e.what());
          std::this_thread::sleep_for(500ms);  // retry backoff: NATS unreachable
          continue;
        }
      }
      std::string error;
      auto messages = consumer->fetch(256, 200ms, error);
      if (!error.empty()) {
        m_failures.failed(
            std::string("import: fetch from ").append(durable).append(" failed: ").append(error));
        if (messages.empty()) std::this_thread::sleep_for(200ms);  // retry backoff
      }
      for (auto& message : messages) {
        if (!importOne(message.get())) return;  // stopping: unacked, JetStream redelivers
        natsMsg_Ack(message.get(), nullptr);
      }
    }
  }

 private:
  // False when stopping before the node took it.
  bool importOne(natsMsg* message) {
    plexus::v1::Event event;
    const std::string subject = natsMsg_GetSubject(message);
    if (!event.ParseFromArray(natsMsg_GetData(message), natsMsg_GetDataLength(message))) {
      log("import: " + subject + ": not a Plexus event, dropped");
      return true;
    }
    const std::uint64_t offset = event.origin().offset();
    if (event.origin().node() != m_origin || offset == 0) {
      log("import: " + subject + ": origin '" + event.origin().node() + "' offset " +
          std::to_string(offset) + " does not fit the subject, dropped");
      return true;
    }
    if (m_ledger.seen(offset)) return true;  // a redelivery: imported before
    auto backoff = 20ms;
    for (;;) {
      auto answer = m_module.publish(event);
      if (answer.ok() && answer->duplicate()) {
        // The node took it before (a redelivery the ledger did not record): not routed again.
        ++m_duplicates;
        log("import: " + subject + " offset " + std::to_string(offset) +
            " was imported before (the node says duplicate; " + std::to_string(m_duplicates) +
            " so far)");
        break;
      }
      // An error with the node's answer attached: the node took it (some block subscriber did not).
      // Without one the node did not (a TIMEOUT: its journal made no room in time): retried.
      if (answer.ok() || answer.error().publish != nullptr) break;
      const auto code = answer.error().code;
      if (code == plexus::v1::ERROR_CODE_PERMISSION_DENIED ||
          code == plexus::v1::ERROR_CODE_INVALID_ARGUMENT) {
        log("import: " + subject + " offset " + std::to_string(offset) +
            " refused by the node, dropped: " + answer.error().message);
        break;
      }
      if (m_stopping) return false;
      m_failures.failed("import: publish into the node failed: " + answer.error().message);
      std::this_thread::sleep_for(backoff);  // retry backoff: the node is busy
      backoff = std::min<std::chrono::milliseconds>(backoff * 2, 1s);
    }
    m_ledger.record(offset);
    return true;
  }

  plexus::sdk::Module& m_module;
  JetStream& m_js;
  const BridgeSettings& m_settings;
  const std::string m_origin;
  const std::atomic<bool>& m_stopping;
  plexus::bridge::ImportLedger m_ledger;
  FailureLog m_failures;
  std::uint64_t m_duplicates = 0;  // publishes the node answered as duplicates
};

}  // namespace

int main() {
  try {
    auto module = plexus::sdk::Module::fromEnvironment({"nats-bridge", "1.0.0"});
    const BridgeSettings settings =
        plexus::bridge::parseSettings(module.settings(), module.id(), module.nodeName());
    JetStream js(settings.natsUrl);
    js.ensureStream(std::chrono::steady_clock::now() + 30s);
    Exporter exporter(js, settings);
    for (auto type : settings.exportTypes) {
      module.on(type, [&](const plexus::sdk::Delivery& d) { exporter.handle(d); });
    }
    module.beforeAck([&] { exporter.settle(); });
    std::atomic<bool> stopping{false};
    std::vector<std::unique_ptr<Importer>> importers;
    for (const auto& origin : settings.importNodes) {
      importers.push_back(std::make_unique<Importer>(module, js, settings, origin, stopping));
    }
    std::vector<std::thread> threads;
    threads.reserve(importers.size());
    for (auto& importer : importers)
      threads.emplace_back([&importer] { importer->run(); });
    log("node " + settings.node + " at " + settings.natsUrl + ": exporting " +
        std::to_string(settings.exportTypes.size()) + " types, importing from " +
        std::to_string(settings.importNodes.size()) + " nodes");
    const int rc = module.run();
    stopping = true;
    for (auto& thread : threads)
      thread.join();
    return rc;
  } catch (const std::exception& e) {
    log(e.what());
    return 1;
  }
}
