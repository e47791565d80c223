// plexus-test-hostile: a module for integration tests that speaks the wire protocol by hand
// (raw cppzmq, not the SDK) so that it can misbehave on purpose. Between its misdeeds it acts
// like a live module: it heartbeats when idle, acks what it is delivered and leaves on
// NodeShutdown or Goodbye, so the node never kills it as hung during a test.
//
// Everything it receives is one line of its report:
//   token <hex>                                  (--write-token, before connecting)
//   monitor <event name> <value>                 ZeroMQ socket monitor events
//   handshake-ack <incarnation> <capacity> <heartbeat_ms>
//   subscribe-ack <Type,Type|->
//   error <ERROR_CODE_...> <correlation_id> <message>
//   response <correlation_id> publish <subscribers> <dropped>
//   response <correlation_id> stats <routed> <decode_errors> <rejected>
//   event <E|L> <seq> <dropped_before> <Type> <source> <detail>   (as the probe writes it)
//   goodbye <reason>
//   action <name> / done <name> / timeout <name>  around each scripted action
//   script-done, disconnected, exit <status>; other <body number> for anything else (the
//   node's Heartbeat to a silent module)
// Options (module args):
//   --report FILE           where to write (required)
//   --types A,B             what `subscribe` asks for (default: nothing, an empty Subscribe)
//   --do A,B,...            the script (below); without `hello` it starts with hello,subscribe
//   --only-incarnation N    a later incarnation runs hello,subscribe only (behaves after restart)
//   --write-token           report the token before connecting (a test steals it)
//   --wait-file PATH        connect only once PATH exists
//   --on-disconnect MODE    exit (default: exit 2 as the SDK does) | stay (go silent, keep running)
// Actions; each waits for the replies it must get (every message before the handshake gets one):
//   hello, hello-again, subscribe, subscribe:A+B, request-stats, publish:TYPE, heartbeat, ack:N,
//   ack-beyond, garbage[:N], big-garbage:BYTES, empty, unknown-body, bad-body, nested-garbage,
//   empty-request, frames:K, mismatch, unspecified, major-mid-session, bad-utf8[:N], flood:N,
//   huge:BYTES (no reply: the node's ZeroMQ drops the connection), wait-event:TYPE[:N]

#include <plexus/v1/wire.pb.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "plexus/ipc/envelope_codec.h"
#include "plexus/ipc/event_batch_codec.h"
#include "plexus/ipc/event_types.h"
#include "plexus/ipc/protocol.h"
#include "plexus/ipc/socket_monitor.h"
#include "plexus/ipc/sockets.h"

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using namespace std::chrono_literals;

constexpr int kMonitorEvents = ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
                               ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                               ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_DISCONNECTED;

class Report {
 public:
  explicit Report(const std::string& path) : m_out(path, std::ios::app) {}
  void line(const std::string& text) {
    m_out << text << "\n";
    m_out.flush();
  }

 private:
  std::ofstream m_out;
};

struct Options {
  std::string report;
  std::string types;
  std::string script;
  std::uint64_t onlyIncarnation = 0;
  bool writeToken = false;
  std::string waitFile;
  bool stayOnDisconnect = false;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (a == "--report")
      o.report = next();
    else if (a == "--types")
      o.types = next();
    else if (a == "--do")
      o.script = next();
    else if (a == "--only-incarnation")
      o.onlyIncarnation = std::stoull(next());
    else if (a == "--write-token")
      o.writeToken = true;
    else if (a == "--wait-file")
      o.waitFile = next();
    else if (a == "--on-disconnect")
      o.stayOnDisconnect = next() == "stay";
  }
  return o;
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, separator);) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

std::vector<plexus::v1::EventType> parseTypes(const std::string& list, char separator) {
  std::vector<plexus::v1::EventType> types;
  for (const auto& name : split(list, separator)) {
    // An unknown name becomes UNSPECIFIED on purpose: the node must refuse it.
    types.push_back(plexus::ipc::parseEventType(name).value_or(plexus::v1::EVENT_TYPE_UNSPECIFIED));
  }
  return types;
}

// Protobuf wire encoding by hand, for bytes the generated code would refuse to produce.
void appendVarint(std::string& out, std::uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

void appendField(std::string& out, int field, const std::string& bytes) {
  appendVarint(out, static_cast<std::uint64_t>(field) << 3 | 2);  // length-delimited
  appendVarint(out, bytes.size());
  out += bytes;
}

std::string versionPrefix(std::uint32_t major = plexus::ipc::kProtocolMajor) {
  std::string out;
  appendVarint(out, 1 << 3);  // protocol_major, varint
  appendVarint(out, major);
  return out;
}

// 0xff is field 31 with wire type 7, which does not exist: never a valid message.
std::string garbage(std::size_t size) {
  return std::string(size, '\xff');
}

std::string detailOf(const plexus::v1::Event& e) {
  using E = plexus::v1::Event;
  switch (e.payload_case()) {
    case E::kNewBlock:
      return std::to_string(e.new_block().height());
    case E::kPeerConnected:
      return e.peer_connected().peer_id();
    case E::kModuleLoaded:
      return e.module_loaded().module_id() + "#" + std::to_string(e.module_loaded().incarnation());
    default:
      return "-";
  }
}

class Hostile {
 public:
  Hostile(Options options, Report& report)
      : m_options(std::move(options)),
        m_report(report),
        m_socket(m_context, zmq::socket_type::dealer) {}

  int run() {
    const char* id = std::getenv(plexus::ipc::kEnvModuleId);
    const char* endpoint = std::getenv(plexus::ipc::kEnvEndpoint);
    if (id == nullptr || endpoint == nullptr) {
      m_report.line("exit 64");
      return 64;
    }
    m_id = id;
    std::string token;
    std::getline(std::cin, token);
    if (m_options.writeToken) m_report.line("token " + token);
    if (!m_options.waitFile.empty() && !waitForFile(m_options.waitFile)) return finish(65);

    plexus::ipc::configureModuleDealer(m_socket, m_id, token);
    m_monitor.emplace(m_context, m_socket, kMonitorEvents);
    m_socket.connect(endpoint);
    if (!awaitZmqHandshake()) return finish(3);

    std::vector<std::string> script = split(m_options.script, ',');
    if (std::find(script.begin(), script.end(), "hello") == script.end()) {
      script.insert(script.begin(), {"hello", "subscribe"});
    }
    for (const auto& action : script) {
      if (m_exit) break;
      if (m_options.onlyIncarnation != 0 && m_incarnation != 0 &&
          m_incarnation != m_options.onlyIncarnation && action != "subscribe") {
        continue;  // a restarted incarnation behaves
      }
      perform(action);
    }
    if (!m_exit) m_report.line("script-done");
    while (!m_exit)
      pump(1000ms);
    return finish(*m_exit);
  }

 private:
  int finish(int status) {
    m_report.line("exit " + std::to_string(status));
    return status;
  }

  bool waitForFile(const std::string& path) {
    const auto deadline = Clock::now() + 30s;
    while (!std::filesystem::exists(path)) {
      if (Clock::now() > deadline) return false;
      std::this_thread::sleep_for(10ms);  // polling interval
    }
    return true;
  }

  bool awaitZmqHandshake() {
    const auto deadline = Clock::now() + 10s;
    while (Clock::now() < deadline) {
      auto event = m_monitor->next(100ms);
      if (!event) continue;
      recordMonitor(*event);
      if (event->event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) return true;
      if (event->event != ZMQ_EVENT_DISCONNECTED) return false;  // refused
    }
    return false;
  }

  void recordMonitor(const plexus::ipc::MonitorEvent& event) {
    m_report.line(std::string("monitor ") + plexus::ipc::monitorEventName(event.event) + " " +
                  std::to_string(event.value));
  }

  // --- sending -----------------------------------------------------------------------------

  bool sendFrames(std::vector<zmq::message_t>& frames) {
    try {
      for (std::size_t i = 0; i < frames.size(); ++i) {
        auto flags = i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none;
        if (m_socket.send(frames[i], flags | zmq::send_flags::dontwait)) continue;
        // EAGAIN (no attached pipe yet, or a full one): wait a little for room, then give up.
        zmq::pollitem_t item{m_socket.handle(), 0, ZMQ_POLLOUT, 0};
        if (zmq::poll(&item, 1, 1000ms) == 0 ||
            !m_socket.send(frames[i], flags | zmq::send_flags::dontwait)) {
          return false;
        }
      }
    } catch (const zmq::error_t&) {
      return false;
    }
    m_lastSent = Clock::now();
    return true;
  }

  bool sendBytes(const std::string& bytes) {
    std::vector<zmq::message_t> frames;
    frames.emplace_back(bytes.data(), bytes.size());
    return sendFrames(frames);
  }

  bool send(const plexus::v1::Envelope& envelope) {
    std::vector<zmq::message_t> frames;
    frames.push_back(plexus::ipc::encodeEnvelope(envelope));
    return sendFrames(frames);
  }

  static plexus::v1::Envelope stamped() {
    plexus::v1::Envelope envelope;
    plexus::ipc::stampVersion(envelope);
    return envelope;
  }

  plexus::v1::Envelope request() {
    plexus::v1::Envelope envelope = stamped();
    envelope.mutable_request()->set_correlation_id(m_nextCorrelation++);
    return envelope;
  }

  plexus::v1::Envelope publishOf(plexus::v1::EventType type) {
    plexus::v1::Envelope envelope = request();
    plexus::v1::Event* event = envelope.mutable_request()->mutable_publish()->mutable_event();
    event->set_type(type);
    if (plexus::ipc::isValidEventType(type)) {
      const auto* field =
          event->GetDescriptor()->FindFieldByNumber(plexus::ipc::payloadFieldNumber(type));
      if (field != nullptr) event->GetReflection()->MutableMessage(event, field);
    }
    if (type == plexus::v1::EVENT_TYPE_NEW_BLOCK) event->mutable_new_block()->set_height(424242);
    return envelope;
  }

  plexus::v1::Envelope subscribeTo(const std::vector<plexus::v1::EventType>& types) {
    plexus::v1::Envelope envelope = stamped();
    auto* subscribe = envelope.mutable_subscribe();
    for (auto type : types)
      subscribe->add_types(type);
    return envelope;
  }

  plexus::v1::Envelope handshake() {
    plexus::v1::Envelope envelope = stamped();
    envelope.mutable_handshake()->set_module_id(m_id);
    envelope.mutable_handshake()->set_name("hostile");
    envelope.mutable_handshake()->set_version("6.6.6");
    return envelope;
  }

  // --- the script --------------------------------------------------------------------------

  void perform(const std::string& action) {
    const auto colon = action.find(':');
    const std::string verb = action.substr(0, colon);
    const std::string arg = colon == std::string::npos ? std::string() : action.substr(colon + 1);
    const std::uint64_t count = arg.empty() ? 1 : std::strtoull(arg.c_str(), nullptr, 10);
    m_report.line("action " + action);
    const std::uint64_t before = m_replies;
    // Before the handshake every message is refused with NOT_HANDSHAKEN.
    const std::uint64_t refusedAnyway = m_handshaken ? 0 : 1;
    std::uint64_t expected = 1;
    auto wait = 5000ms;

    if (verb == "hello" || verb == "hello-again") {
      send(handshake());
    } else if (verb == "subscribe") {
      send(subscribeTo(parseTypes(arg.empty() ? m_options.types : arg, arg.empty() ? ',' : '+')));
    } else if (verb == "request-stats") {
      plexus::v1::Envelope envelope = request();
      envelope.mutable_request()->mutable_stats();
      send(envelope);
    } else if (verb == "publish") {
      send(
          publishOf(plexus::ipc::parseEventType(arg).value_or(plexus::v1::EVENT_TYPE_UNSPECIFIED)));
    } else if (verb == "heartbeat") {
      plexus::v1::Envelope envelope = stamped();
      envelope.mutable_heartbeat();
      send(envelope);
      expected = refusedAnyway;
    } else if (verb == "ack") {
      plexus::v1::Envelope envelope = stamped();
      envelope.mutable_ack()->set_through_seq(count);
      send(envelope);
      expected = refusedAnyway;
    } else if (verb == "ack-beyond") {
      plexus::v1::Envelope envelope = stamped();
      envelope.mutable_ack()->set_through_seq(m_lastEventSeq + 1000000);
      send(envelope);
    } else if (verb == "garbage") {
      for (std::uint64_t i = 0; i < count; ++i)
        sendBytes(garbage(16));
      expected = count;
    } else if (verb == "big-garbage") {
      sendBytes(garbage(count));
    } else if (verb == "empty") {
      sendBytes({});
    } else if (verb == "unknown-body") {
      std::string bytes = versionPrefix();
      appendField(bytes, 99, "from the future");  // a field this node does not know
      sendBytes(bytes);
    } else if (verb == "bad-body") {
      plexus::v1::Envelope envelope = stamped();
      envelope.mutable_subscribe_ack()->add_types(plexus::v1::EVENT_TYPE_NEW_BLOCK);  // host's
      send(envelope);
    } else if (verb == "nested-garbage") {
      // Envelope{request{correlation_id, publish{event = garbage}}}: broken two levels down.
      std::string publish, requestBytes, bytes = versionPrefix();
      appendField(publish, 1, garbage(8));
      appendVarint(requestBytes, 1 << 3);
      appendVarint(requestBytes, 77);
      appendField(requestBytes, 10, publish);
      appendField(bytes, 17, requestBytes);
      sendBytes(bytes);
    } else if (verb == "empty-request") {
      send(request());
    } else if (verb == "frames") {
      plexus::v1::Envelope envelope = stamped();
      envelope.mutable_heartbeat();
      std::vector<zmq::message_t> frames;
      for (std::uint64_t i = 0; i < count; ++i)
        frames.push_back(plexus::ipc::encodeEnvelope(envelope));
      sendFrames(frames);
    } else if (verb == "mismatch") {
      plexus::v1::Envelope envelope = publishOf(plexus::v1::EVENT_TYPE_NEW_BLOCK);
      envelope.mutable_request()->mutable_publish()->mutable_event()->mutable_new_transaction();
      send(envelope);
    } else if (verb == "unspecified") {
      send(publishOf(plexus::v1::EVENT_TYPE_UNSPECIFIED));
    } else if (verb == "major-mid-session") {
      plexus::v1::Envelope envelope = request();
      envelope.mutable_request()->mutable_stats();
      envelope.set_protocol_major(plexus::ipc::kProtocolMajor + 1);
      send(envelope);
    } else if (verb == "bad-utf8") {
      // A Handshake whose name is not UTF-8. Parsed anyway, it would be a second handshake,
      // also refused: either way one Error, and nothing changes.
      std::string inner, bytes = versionPrefix();
      appendField(inner, 1, m_id);
      appendField(inner, 2, "\xff\xfe\xfd");
      appendField(bytes, 10, inner);
      for (std::uint64_t i = 0; i < count; ++i)
        sendBytes(bytes);
      expected = count;
    } else if (verb == "flood") {
      for (std::uint64_t i = 0; i < count; ++i) {
        plexus::v1::Envelope envelope = request();
        envelope.mutable_request()->mutable_stats();
        send(envelope);
        if (i % 256 == 255) pump(0ms);  // keep acking and reading replies meanwhile
      }
      expected = count;
      wait = 30000ms;
    } else if (verb == "huge") {
      std::vector<zmq::message_t> frames;
      frames.emplace_back(static_cast<std::size_t>(count));
      std::memset(frames.back().data(), 0xff, frames.back().size());
      sendFrames(frames);
      expected = 0;
    } else if (verb == "wait-event") {
      // TYPE or TYPE:N: until N (default 1) events of TYPE have arrived in all.
      const auto colon = arg.find(':');
      const auto type = plexus::ipc::parseEventType(arg.substr(0, colon))
                            .value_or(plexus::v1::EVENT_TYPE_UNSPECIFIED);
      const std::uint64_t needed =
          colon == std::string::npos ? 1 : std::strtoull(arg.c_str() + colon + 1, nullptr, 10);
      const auto deadline = Clock::now() + 30s;
      while (!m_exit && m_seen[type] < needed && Clock::now() < deadline)
        pump(100ms);
      m_report.line((m_seen[type] >= needed ? "done " : "timeout ") + action);
      return;
    } else {
      m_report.line("unknown-action " + action);
      return;
    }
    const auto deadline = Clock::now() + wait;
    pump(0ms);
    while (!m_exit && m_replies < before + expected && Clock::now() < deadline)
      pump(100ms);
    m_report.line((m_replies >= before + expected ? "done " : "timeout ") + action);
  }

  // --- receiving ---------------------------------------------------------------------------

  // Handles what arrives within `timeout` (everything already there at least), heartbeats when
  // idle, and watches the socket monitor for a lost connection.
  void pump(milliseconds timeout) {
    if (m_handshaken && !m_disconnected && Clock::now() - m_lastSent >= m_heartbeat) {
      plexus::v1::Envelope beat = stamped();
      beat.mutable_heartbeat();
      send(beat);
    }
    const auto untilBeat =
        std::chrono::duration_cast<milliseconds>(m_heartbeat - (Clock::now() - m_lastSent));
    timeout = std::max(0ms, std::min(timeout, untilBeat));
    zmq::pollitem_t items[] = {{m_socket.handle(), 0, ZMQ_POLLIN, 0},
                               {m_monitor->socket().handle(), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, 2, timeout);
    for (;;) {
      std::vector<zmq::message_t> frames;
      if (!zmq::recv_multipart(m_socket, std::back_inserter(frames), zmq::recv_flags::dontwait)) {
        break;
      }
      receive(frames);
    }
    while (auto event = m_monitor->next(0ms)) {
      recordMonitor(*event);
      if (event->event == ZMQ_EVENT_DISCONNECTED && !m_disconnected) {
        m_disconnected = true;
        m_report.line("disconnected");
        if (!m_options.stayOnDisconnect) m_exit = 2;
      }
    }
  }

  void receive(std::vector<zmq::message_t>& frames) {
    plexus::v1::Envelope envelope;
    if (frames.empty() || !plexus::ipc::decodeEnvelope(frames[0], envelope)) {
      m_report.line("undecodable-from-node");
      return;
    }
    using Body = plexus::v1::Envelope::BodyCase;
    switch (envelope.body_case()) {
      case Body::kHandshakeAck: {
        const auto& ack = envelope.handshake_ack();
        m_handshaken = true;
        m_incarnation = ack.incarnation();
        if (ack.heartbeat_interval_ms() > 0)
          m_heartbeat = milliseconds(ack.heartbeat_interval_ms());
        ++m_replies;
        m_report.line("handshake-ack " + std::to_string(ack.incarnation()) + " " +
                      std::to_string(ack.channel_capacity()) + " " +
                      std::to_string(ack.heartbeat_interval_ms()));
        return;
      }
      case Body::kSubscribeAck: {
        std::string types;
        for (int t : envelope.subscribe_ack().types()) {
          types += (types.empty() ? "" : ",") +
                   plexus::ipc::displayName(static_cast<plexus::v1::EventType>(t));
        }
        ++m_replies;
        m_report.line("subscribe-ack " + (types.empty() ? std::string("-") : types));
        return;
      }
      case Body::kError: {
        const auto& error = envelope.error();
        ++m_replies;
        m_report.line("error " + plexus::v1::ErrorCode_Name(error.code()) + " " +
                      std::to_string(error.correlation_id()) + " " + error.message());
        return;
      }
      case Body::kResponse: {
        const auto& response = envelope.response();
        std::string line = "response " + std::to_string(response.correlation_id());
        if (response.has_publish()) {
          line += " publish " + std::to_string(response.publish().subscribers()) + " " +
                  std::to_string(response.publish().dropped());
        } else if (response.has_stats()) {
          line += " stats " + std::to_string(response.stats().routed()) + " " +
                  std::to_string(response.stats().decode_errors()) + " " +
                  std::to_string(response.stats().rejected());
        }
        ++m_replies;
        m_report.line(line);
        return;
      }
      case Body::kGoodbye:
        m_report.line("goodbye " + envelope.goodbye().reason());
        leave("unloaded");
        return;
      case Body::kEventBatch:
        receiveBatch(envelope.event_batch(), frames);
        return;
      default:
        m_report.line("other " + std::to_string(static_cast<int>(envelope.body_case())));
        return;
    }
  }

  void receiveBatch(const plexus::v1::EventBatch& header, std::vector<zmq::message_t>& frames) {
    std::vector<zmq::message_t> bodies;
    for (std::size_t i = 1; i < frames.size(); ++i)
      bodies.push_back(std::move(frames[i]));
    auto batch = plexus::ipc::decodeEventBatch(header, std::move(bodies));
    if (!batch) {
      m_report.line("undecodable-batch " + batch.error().message);
      return;
    }
    const bool lifecycle = batch->lane == plexus::v1::LANE_LIFECYCLE;
    bool shutdown = false;
    for (std::size_t i = 0; i < batch->metas.size(); ++i) {
      plexus::v1::Event event;
      if (!event.ParseFromArray(batch->bodies[i].data(),
                                static_cast<int>(batch->bodies[i].size()))) {
        m_report.line("undecodable-event " + std::to_string(batch->metas[i].seq()));
      }
      ++m_seen[event.type()];
      m_report.line(std::string("event ") + (lifecycle ? "L " : "E ") +
                    std::to_string(batch->metas[i].seq()) + " " +
                    std::to_string(batch->metas[i].dropped_before()) + " " +
                    plexus::ipc::displayName(event.type()) + " " + event.source() + " " +
                    detailOf(event));
      if (!lifecycle) m_lastEventSeq = batch->metas[i].seq();
      if (event.type() == plexus::v1::EVENT_TYPE_NODE_SHUTDOWN) shutdown = true;
    }
    if (!lifecycle && !batch->metas.empty()) {
      plexus::v1::Envelope ack = stamped();
      ack.mutable_ack()->set_through_seq(m_lastEventSeq);
      send(ack);
    }
    if (shutdown) leave("node shutdown");
  }

  void leave(const std::string& reason) {
    plexus::v1::Envelope goodbye = stamped();
    goodbye.mutable_goodbye()->set_reason(reason);
    send(goodbye);
    m_exit = 0;
  }

  Options m_options;
  Report& m_report;
  zmq::context_t m_context;
  zmq::socket_t m_socket;
  std::optional<plexus::ipc::SocketMonitor> m_monitor;
  std::string m_id;
  bool m_handshaken = false;
  bool m_disconnected = false;
  std::uint64_t m_incarnation = 0;
  milliseconds m_heartbeat = 1000ms;
  Clock::time_point m_lastSent = Clock::now();
  std::uint64_t m_replies = 0;
  std::uint64_t m_nextCorrelation = 1;
  std::uint64_t m_lastEventSeq = 0;
  std::map<plexus::v1::EventType, std::uint64_t> m_seen;  // events received, by type
  std::optional<int> m_exit;
};

}  // namespace

int main(int argc, char** argv) {
  Options options = parse(argc, argv);
  if (options.report.empty()) {
    std::cerr << "plexus-test-hostile: --report FILE is required\n";
    return 64;
  }
  Report report(options.report);
  return Hostile(std::move(options), report).run();
}
