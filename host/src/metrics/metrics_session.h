#pragma once

// MetricsSession: one HTTP connection of the MetricsServer: reads requests (bounded, with a
// deadline each), answers them (metrics_server.h) and keeps the connection while the client asks
// for keep-alive. Owned by its pending asynchronous operations (shared_ptr).
// Thread rule: the metrics server's thread only.

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstddef>
#include <memory>
#include <optional>

#include "metrics/metrics_server.h"

namespace plexus::host {

// What the sessions of one server share; lives as long as the server's io_context.
struct MetricsShared {
  MetricsServerOptions options;
  SnapshotSource& source;
  std::size_t connections = 0;  // sessions alive
};

class MetricsSession : public std::enable_shared_from_this<MetricsSession> {
 public:
  MetricsSession(boost::asio::ip::tcp::socket socket, MetricsShared& shared);
  ~MetricsSession();
  MetricsSession(const MetricsSession&) = delete;
  MetricsSession& operator=(const MetricsSession&) = delete;

  void start() { read(); }

 private:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;
  using Response = boost::beast::http::response<boost::beast::http::string_body>;

  void read();
  void onRead(boost::beast::error_code error);
  Response answer(const Request& request);
  void write(Response response);
  void close();

  boost::beast::tcp_stream m_stream;
  MetricsShared& m_shared;
  boost::beast::flat_buffer m_buffer;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> m_parser;
  std::optional<Response> m_response;
};

}  // namespace plexus::host
