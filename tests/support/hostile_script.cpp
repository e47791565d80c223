// Hostile::perform: one scripted action and the replies it waits for (the actions are listed
// in hostile_module.cpp).

#include <cstdlib>
#include <cstring>

#include "hostile.h"
#include "hostile_wire.h"
#include "plexus/ipc/envelope_codec.h"
#include "plexus/ipc/event_types.h"
#include "plexus/ipc/protocol.h"

namespace plexus::hostile {

using namespace std::chrono_literals;

void Hostile::perform(const std::string& action) {
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
    v1::Envelope envelope = request();
    envelope.mutable_request()->mutable_stats();
    send(envelope);
  } else if (verb == "publish") {
    send(publishOf(ipc::parseEventType(arg).value_or(v1::EVENT_TYPE_UNSPECIFIED)));
  } else if (verb == "heartbeat") {
    v1::Envelope envelope = stamped();
    envelope.mutable_heartbeat();
    send(envelope);
    expected = refusedAnyway;
  } else if (verb == "ack") {
    v1::Envelope envelope = stamped();
    envelope.mutable_ack()->set_through_seq(count);
    send(envelope);
    expected = refusedAnyway;
  } else if (verb == "ack-beyond") {
    v1::Envelope envelope = stamped();
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
    v1::Envelope envelope = stamped();
    envelope.mutable_subscribe_ack()->add_types(v1::EVENT_TYPE_NEW_BLOCK);  // host's
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
    v1::Envelope envelope = stamped();
    envelope.mutable_heartbeat();
    std::vector<zmq::message_t> frames;
    for (std::uint64_t i = 0; i < count; ++i)
      frames.push_back(ipc::encodeEnvelope(envelope));
    sendFrames(frames);
  } else if (verb == "mismatch") {
    v1::Envelope envelope = publishOf(v1::EVENT_TYPE_NEW_BLOCK);
    envelope.mutable_request()->mutable_publish()->mutable_event()->mutable_new_transaction();
    send(envelope);
  } else if (verb == "unspecified") {
    send(publishOf(v1::EVENT_TYPE_UNSPECIFIED));
  } else if (verb == "major-mid-session") {
    v1::Envelope envelope = request();
    envelope.mutable_request()->mutable_stats();
    envelope.set_protocol_major(ipc::kProtocolMajor + 1);
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
      v1::Envelope envelope = request();
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
    const auto type =
        ipc::parseEventType(arg.substr(0, colon)).value_or(v1::EVENT_TYPE_UNSPECIFIED);
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

}  // namespace plexus::hostile
