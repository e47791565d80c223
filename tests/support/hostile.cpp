// Hostile (hostile.h): connecting, playing the script, and sending.

#include "hostile.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <thread>
#include <zmq_addon.hpp>

#include "plexus/ipc/curve_keys.h"
#include "plexus/ipc/envelope_codec.h"
#include "plexus/ipc/event_types.h"
#include "plexus/ipc/protocol.h"
#include "plexus/ipc/sockets.h"

namespace plexus::hostile {

namespace {

using std::chrono::milliseconds;
using namespace std::chrono_literals;

constexpr int kMonitorEvents = ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
                               ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                               ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_DISCONNECTED;

}  // namespace

Hostile::Hostile(Options options, Report& report)
    : m_options(std::move(options)),
      m_report(report),
      m_socket(m_context, zmq::socket_type::dealer) {}

int Hostile::run() {
  if (!m_options.endpoint.empty()) return runRemote();
  const char* id = std::getenv(ipc::kEnvModuleId);
  const char* endpoint = std::getenv(ipc::kEnvEndpoint);
  if (id == nullptr || endpoint == nullptr) {
    m_report.line("exit 64");
    return 64;
  }
  m_id = id;
  std::string token;
  std::getline(std::cin, token);
  if (m_options.writeToken) m_report.line("token " + token);
  if (!m_options.waitFile.empty() && !waitForFile(m_options.waitFile)) return finish(65);

  ipc::configureModuleDealer(m_socket, m_id, token);
  return play(endpoint);
}

// A remote module: no token, its own keys (or a mechanism the node must refuse).
int Hostile::runRemote() {
  m_id = m_options.moduleId;
  m_socket.set(zmq::sockopt::immediate, 1);
  m_socket.set(zmq::sockopt::linger, 0);
  if (m_options.mechanism == "plain") {
    m_socket.set(zmq::sockopt::plain_username, m_id);
    m_socket.set(zmq::sockopt::plain_password, "guess");
  } else if (m_options.mechanism != "null") {
    auto secret = ipc::readSecretKeyFile(m_options.secretKeyFile);
    auto publicKey = secret ? ipc::publicKeyOf(*secret) : Result<std::string>(secret.error());
    if (!publicKey) {
      m_report.line("key-error " + publicKey.error().message);
      return finish(64);
    }
    m_socket.set(zmq::sockopt::curve_serverkey, m_options.serverKey);
    m_socket.set(zmq::sockopt::curve_publickey, *publicKey);
    m_socket.set(zmq::sockopt::curve_secretkey, *secret);
  }
  return play(m_options.endpoint);
}

int Hostile::play(const std::string& endpoint) {
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

int Hostile::finish(int status) {
  m_report.line("exit " + std::to_string(status));
  return status;
}

bool Hostile::waitForFile(const std::string& path) {
  const auto deadline = Clock::now() + 30s;
  while (!std::filesystem::exists(path)) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);  // polling interval
  }
  return true;
}

bool Hostile::awaitZmqHandshake() {
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

void Hostile::recordMonitor(const ipc::MonitorEvent& event) {
  m_report.line(std::string("monitor ") + ipc::monitorEventName(event.event) + " " +
                std::to_string(event.value));
}

bool Hostile::sendFrames(std::vector<zmq::message_t>& frames) {
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

bool Hostile::sendBytes(const std::string& bytes) {
  std::vector<zmq::message_t> frames;
  frames.emplace_back(bytes.data(), bytes.size());
  return sendFrames(frames);
}

bool Hostile::send(const v1::Envelope& envelope) {
  std::vector<zmq::message_t> frames;
  frames.push_back(ipc::encodeEnvelope(envelope));
  return sendFrames(frames);
}

v1::Envelope Hostile::stamped() {
  v1::Envelope envelope;
  ipc::stampVersion(envelope);
  return envelope;
}

v1::Envelope Hostile::request() {
  v1::Envelope envelope = stamped();
  envelope.mutable_request()->set_correlation_id(m_nextCorrelation++);
  return envelope;
}

v1::Envelope Hostile::publishOf(v1::EventType type) {
  v1::Envelope envelope = request();
  v1::Event* event = envelope.mutable_request()->mutable_publish()->mutable_event();
  event->set_type(type);
  if (ipc::isValidEventType(type)) {
    const auto* field = event->GetDescriptor()->FindFieldByNumber(ipc::payloadFieldNumber(type));
    if (field != nullptr) event->GetReflection()->MutableMessage(event, field);
  }
  if (type == v1::EVENT_TYPE_NEW_BLOCK) event->mutable_new_block()->set_height(424242);
  return envelope;
}

v1::Envelope Hostile::subscribeTo(const std::vector<v1::EventType>& types) {
  v1::Envelope envelope = stamped();
  auto* subscribe = envelope.mutable_subscribe();
  for (auto type : types)
    subscribe->add_types(type);
  return envelope;
}

v1::Envelope Hostile::handshake() {
  v1::Envelope envelope = stamped();
  envelope.mutable_handshake()->set_module_id(m_options.claimId.empty() ? m_id : m_options.claimId);
  envelope.mutable_handshake()->set_name("hostile");
  envelope.mutable_handshake()->set_version("6.6.6");
  return envelope;
}

}  // namespace plexus::hostile
