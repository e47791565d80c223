#include "metrics/metrics_server.h"

#include <pthread.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <thread>
#include <utility>

#include "metrics/metrics_session.h"
#include "runtime/logging.h"

namespace plexus::host {

namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

// "host:port" or "[v6]:port" split; false when there is no port separator or no host.
bool splitListen(const std::string& listen, std::string& host, std::string& port) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == listen.size()) return false;
  host = listen.substr(0, colon);
  port = listen.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  return !host.empty();
}

class BeastMetricsServer final : public MetricsServer {
 public:
  BeastMetricsServer(const MetricsServerOptions& options, SnapshotSource& source)
      : m_shared{options, source}, m_acceptor(m_io) {}

  ~BeastMetricsServer() override {
    m_io.stop();
    if (m_thread.joinable()) m_thread.join();
  }

  Status bind() {
    const std::string& listen = m_shared.options.listen;
    std::string host, port;
    if (!splitListen(listen, host, port)) {
      return makeError(v1::ERROR_CODE_INVALID_ARGUMENT,
                       "metrics_listen '" + listen + "' is not host:port");
    }
    boost::system::error_code error;
    tcp::resolver resolver(m_io);
    auto endpoints = resolver.resolve(host, port, tcp::resolver::numeric_service, error);
    if (error || endpoints.empty()) {
      return makeError(v1::ERROR_CODE_INVALID_ARGUMENT,
                       "metrics_listen '" + listen + "': " + error.message());
    }
    const tcp::endpoint endpoint = *endpoints.begin();
    if (m_acceptor.open(endpoint.protocol(), error) ||
        m_acceptor.set_option(asio::socket_base::reuse_address(true), error) ||
        m_acceptor.bind(endpoint, error) ||
        m_acceptor.listen(asio::socket_base::max_listen_connections, error)) {
      return makeError(v1::ERROR_CODE_UNAVAILABLE,
                       "metrics_listen '" + listen + "': cannot listen: " + error.message());
    }
    return {};
  }

  void start() {
    accept();
    m_thread = std::thread([this] {
      ::pthread_setname_np(::pthread_self(), "plexus-metrics");
      m_io.run();
    });
  }

  std::string endpoint() const override {
    boost::system::error_code error;
    const tcp::endpoint local = m_acceptor.local_endpoint(error);
    if (error) return {};
    const std::string address = local.address().to_string();
    return (local.address().is_v6() ? "[" + address + "]" : address) + ":" +
           std::to_string(local.port());
  }

 private:
  void accept() {
    m_acceptor.async_accept([this](boost::system::error_code error, tcp::socket socket) {
      if (error == asio::error::operation_aborted) return;
      if (!error) {
        if (m_shared.connections >= m_shared.options.maxConnections) {
          boost::system::error_code ignored;
          socket.close(ignored);  // over the limit: refused at once
        } else {
          std::make_shared<MetricsSession>(std::move(socket), m_shared)->start();
        }
      }
      accept();
    });
  }

  MetricsShared m_shared;  // outlives the io_context and so the sessions it still holds
  asio::io_context m_io{1};
  tcp::acceptor m_acceptor;
  std::thread m_thread;
};

}  // namespace

Result<std::unique_ptr<MetricsServer>> makeMetricsServer(const MetricsServerOptions& options,
                                                         SnapshotSource& source) {
  auto server = std::make_unique<BeastMetricsServer>(options, source);
  if (auto bound = server->bind(); !bound) return bound.error();
  server->start();
  logger("node")->info("metrics on http://{}/metrics", server->endpoint());
  return std::unique_ptr<MetricsServer>(std::move(server));
}

}  // namespace plexus::host
