#include "metrics/metrics_server.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <string>

#include "metrics/metrics_text.h"

namespace plexus::host {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::ip::tcp;

class FakeSource final : public SnapshotSource {
 public:
  std::optional<MetricsSnapshot> take(std::chrono::milliseconds) override {
    ++calls;
    if (!answer) return std::nullopt;
    MetricsSnapshot snapshot;
    snapshot.version = "test";
    return snapshot;
  }
  std::atomic<bool> answer{true};
  std::atomic<int> calls{0};
};

// A blocking client whose reads give up after 5 s (a server that never answers fails the test
// instead of hanging it).
class Client {
 public:
  explicit Client(const std::string& endpoint) : m_socket(m_io) {
    const auto colon = endpoint.rfind(':');
    m_socket.connect({asio::ip::make_address(endpoint.substr(0, colon)),
                      static_cast<unsigned short>(std::stoi(endpoint.substr(colon + 1)))});
    timeval timeout{5, 0};
    ::setsockopt(m_socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }
  http::response<http::string_body> ask(http::verb method, const std::string& target,
                                        bool keepAlive = true) {
    http::request<http::string_body> request{method, target, 11};
    request.set(http::field::host, "localhost");
    request.keep_alive(keepAlive);
    http::write(m_socket, request);
    return receive();
  }
  http::response<http::string_body> receive() {
    http::response<http::string_body> response;
    http::read(m_socket, m_buffer, response);
    return response;
  }
  void sendRaw(const std::string& bytes) { asio::write(m_socket, asio::buffer(bytes)); }
  // True when the server closed the connection (EOF or reset) rather than the read timing out.
  bool closedByServer() {
    char byte;
    boost::system::error_code error;
    m_socket.read_some(asio::buffer(&byte, 1), error);
    return error == asio::error::eof || error == asio::error::connection_reset;
  }

 private:
  asio::io_context m_io;
  tcp::socket m_socket;
  boost::beast::flat_buffer m_buffer;
};

std::unique_ptr<MetricsServer> serve(FakeSource& source, MetricsServerOptions options = {}) {
  if (options.listen.empty()) options.listen = "127.0.0.1:0";
  auto server = makeMetricsServer(options, source);
  EXPECT_TRUE(server.ok()) << (server.ok() ? "" : server.error().message);
  return server.ok() ? std::move(server).value() : nullptr;
}

TEST(MetricsServerTest, GetMetricsAnswersTheFormattedSnapshot) {
  FakeSource source;
  auto server = serve(source);
  ASSERT_TRUE(server);
  Client client(server->endpoint());
  auto response = client.ask(http::verb::get, "/metrics");
  EXPECT_EQ(response.result(), http::status::ok);
  EXPECT_EQ(response[http::field::content_type], kMetricsContentType);
  EXPECT_NE(response.body().find("plexus_node_info{version=\"test\""), std::string::npos);
  // Keep-alive: the same connection serves the next scrape.
  EXPECT_EQ(client.ask(http::verb::get, "/metrics?x=1").result(), http::status::ok);
  EXPECT_EQ(source.calls, 2);
}

TEST(MetricsServerTest, OtherPathsAre404AndOtherMethods405) {
  FakeSource source;
  auto server = serve(source);
  ASSERT_TRUE(server);
  Client client(server->endpoint());
  EXPECT_EQ(client.ask(http::verb::get, "/").result(), http::status::not_found);
  EXPECT_EQ(client.ask(http::verb::get, "/metricsx").result(), http::status::not_found);
  auto post = client.ask(http::verb::post, "/metrics");
  EXPECT_EQ(post.result(), http::status::method_not_allowed);
  EXPECT_EQ(post[http::field::allow], "GET");
  EXPECT_EQ(source.calls, 0);
}

TEST(MetricsServerTest, NoSnapshotInTimeIs503) {
  FakeSource source;
  source.answer = false;
  auto server = serve(source);
  ASSERT_TRUE(server);
  Client client(server->endpoint());
  EXPECT_EQ(client.ask(http::verb::get, "/metrics").result(), http::status::service_unavailable);
}

TEST(MetricsServerTest, AnOversizeRequestIsRefusedAndClosed) {
  FakeSource source;
  MetricsServerOptions options;
  options.maxRequestBytes = 1024;
  auto server = serve(source, options);
  ASSERT_TRUE(server);
  Client client(server->endpoint());
  client.sendRaw("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4096, 'a') +
                 "\r\n\r\n");
  auto response = client.receive();
  EXPECT_EQ(response.result(), http::status::request_header_fields_too_large);
  EXPECT_TRUE(client.closedByServer());
  EXPECT_EQ(source.calls, 0);

  Client body(server->endpoint());
  body.sendRaw("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 4096\r\n\r\n" +
               std::string(4096, 'b'));
  EXPECT_EQ(body.receive().result(), http::status::payload_too_large);
}

TEST(MetricsServerTest, ASilentClientIsDroppedAfterTheTimeoutWhileOthersAreServed) {
  FakeSource source;
  MetricsServerOptions options;
  options.ioTimeout = std::chrono::milliseconds(300);
  auto server = serve(source, options);
  ASSERT_TRUE(server);
  Client silent(server->endpoint());
  silent.sendRaw("GET /metr");  // and nothing more
  const auto started = std::chrono::steady_clock::now();
  Client other(server->endpoint());
  EXPECT_EQ(other.ask(http::verb::get, "/metrics").result(), http::status::ok);
  EXPECT_TRUE(silent.closedByServer());
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));
}

TEST(MetricsServerTest, ConnectionsOverTheLimitAreClosed) {
  FakeSource source;
  MetricsServerOptions options;
  options.maxConnections = 1;
  auto server = serve(source, options);
  ASSERT_TRUE(server);
  Client first(server->endpoint());
  first.sendRaw("GET /metr");  // accepted, holds the only connection
  Client second(server->endpoint());
  EXPECT_TRUE(second.closedByServer());
  first.sendRaw("ics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(first.receive().result(), http::status::ok);
}

TEST(MetricsServerTest, AnAddressInUseIsAnErrorNamingIt) {
  FakeSource source;
  auto server = serve(source);
  ASSERT_TRUE(server);
  MetricsServerOptions options;
  options.listen = server->endpoint();
  auto second = makeMetricsServer(options, source);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message.find("metrics_listen '" + options.listen + "'"),
            std::string::npos);
  EXPECT_NE(second.error().message.find("cannot listen"), std::string::npos);
}

TEST(MetricsServerTest, ABadAddressIsAnError) {
  FakeSource source;
  for (const char* listen : {
           "no-port",
           ":9464",
           "127.0.0.1:",
           "127.0.0.1:notaport",
       }) {
    MetricsServerOptions options;
    options.listen = listen;
    auto server = makeMetricsServer(options, source);
    EXPECT_FALSE(server.ok()) << listen;
    if (!server.ok()) {
      EXPECT_NE(server.error().message.find("metrics_listen"), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace plexus::host
