#include "module_impl.h"
#include "plexus/ipc/protocol.h"

namespace plexus::sdk {

namespace {

constexpr std::chrono::milliseconds kRequestTimeout{60000};

}  // namespace

Result<v1::PublishResponse> Module::Impl::publish(const v1::Event& event) {
  v1::Request request;
  *request.mutable_publish()->mutable_event() = event;
  auto response = m_connection.request(std::move(request), kRequestTimeout);
  if (!response) return response.error();
  return response->publish();
}

Result<v1::DeliveryStats> Module::Impl::stats() {
  v1::Request request;
  request.mutable_stats();
  auto response = m_connection.request(std::move(request), kRequestTimeout);
  if (!response) return response.error();
  return response->stats();
}

Result<v1::ReplayResponse> Module::Impl::replay(const v1::ReplayRequest& replay) {
  const std::uint32_t minor = handshake().negotiated_minor();
  if (minor < ipc::kMinorReplay) {
    return makeError(v1::ERROR_CODE_UNAVAILABLE, "the node speaks protocol " +
                                                     std::to_string(ipc::kProtocolMajor) + "." +
                                                     std::to_string(minor) + "; replay needs " +
                                                     std::to_string(ipc::kProtocolMajor) + "." +
                                                     std::to_string(ipc::kMinorReplay));
  }
  v1::Request request;
  *request.mutable_replay() = replay;
  auto response = m_connection.request(std::move(request), kRequestTimeout);
  if (!response) return response.error();
  return response->replay();
}

Module Module::connect(const ConnectOptions& options) {
  if (auto problem = ipc::validateModuleId(options.moduleId); !problem.empty()) {
    throw ConnectError("invalid module id '" + options.moduleId + "': " + problem);
  }
  return Module(std::make_unique<Impl>(options));
}

Module::Module(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Module::Module(Module&&) noexcept = default;
Module& Module::operator=(Module&&) noexcept = default;
Module::~Module() = default;

const std::string& Module::id() const {
  return m_impl->id();
}
std::string Module::nodeName() const {
  return m_impl->handshake().node().name();
}
std::uint64_t Module::incarnation() const {
  return m_impl->handshake().incarnation();
}
std::uint32_t Module::channelCapacity() const {
  return m_impl->handshake().channel_capacity();
}
std::uint32_t Module::protocolMinor() const {
  return m_impl->handshake().negotiated_minor();
}
std::uint32_t Module::replayCapacity() const {
  const auto& ack = m_impl->handshake();
  return ack.negotiated_minor() >= ipc::kMinorReplay ? ack.replay_capacity() : 0;
}
std::string Module::setting(const std::string& key, const std::string& fallback) const {
  auto it = m_impl->settings().find(key);
  return it != m_impl->settings().end() ? it->second : fallback;
}
const std::map<std::string, std::string>& Module::settings() const {
  return m_impl->settings();
}
void Module::on(v1::EventType type, Handler handler, std::string filter) {
  m_impl->on(type, std::move(handler), std::move(filter));
}
int Module::run() {
  return m_impl->run();
}
void Module::stop() {
  m_impl->stop();
}
Result<v1::PublishResponse> Module::publish(const v1::Event& event) {
  return m_impl->publish(event);
}
Result<v1::DeliveryStats> Module::stats() {
  return m_impl->stats();
}
Result<v1::ReplayResponse> Module::replay(const v1::ReplayRequest& request) {
  return m_impl->replay(request);
}
void Module::onReplayEnd(std::function<void(const v1::ReplayEnd&)> handler) {
  m_impl->onReplayEnd(std::move(handler));
}
void Module::beforeAck(std::function<void()> settle) {
  m_impl->beforeAck(std::move(settle));
}
std::uint64_t Module::localDecodeErrors() const {
  return m_impl->decodeErrors();
}

}  // namespace plexus::sdk
