#include "metrics/metrics_session.h"

#include <string_view>
#include <utility>

#include "metrics/metrics_text.h"

namespace plexus::host {

namespace beast = boost::beast;
namespace http = boost::beast::http;

MetricsSession::MetricsSession(boost::asio::ip::tcp::socket socket, MetricsShared& shared)
    : m_stream(std::move(socket)), m_shared(shared), m_buffer(2 * shared.options.maxRequestBytes) {
  ++m_shared.connections;
}

MetricsSession::~MetricsSession() {
  --m_shared.connections;
}

void MetricsSession::read() {
  m_parser.emplace();
  m_parser->header_limit(static_cast<std::uint32_t>(m_shared.options.maxRequestBytes));
  m_parser->body_limit(m_shared.options.maxRequestBytes);
  m_stream.expires_after(m_shared.options.ioTimeout);
  http::async_read(
      m_stream, m_buffer, *m_parser,
      [self = shared_from_this()](beast::error_code error, std::size_t) { self->onRead(error); });
}

void MetricsSession::onRead(beast::error_code error) {
  if (error == http::error::header_limit || error == http::error::body_limit ||
      error == http::error::buffer_overflow) {
    Response response{error == http::error::body_limit
                          ? http::status::payload_too_large
                          : http::status::request_header_fields_too_large,
                      11};
    response.set(http::field::content_type, "text/plain; charset=utf-8");
    response.body() = "request too large\n";
    response.keep_alive(false);
    write(std::move(response));
    return;
  }
  if (error) {  // closed, timed out, or not HTTP: nothing more to say
    close();
    return;
  }
  write(answer(m_parser->get()));
}

MetricsSession::Response MetricsSession::answer(const Request& request) {
  Response response{http::status::ok, request.version()};
  response.keep_alive(request.keep_alive());
  response.set(http::field::content_type, "text/plain; charset=utf-8");
  std::string_view target(request.target().data(), request.target().size());
  target = target.substr(0, target.find('?'));
  if (target != "/metrics") {
    response.result(http::status::not_found);
    response.body() = "not found: only /metrics is served\n";
  } else if (request.method() != http::verb::get) {
    response.result(http::status::method_not_allowed);
    response.set(http::field::allow, "GET");
    response.body() = "method not allowed\n";
  } else if (auto snapshot = m_shared.source.take(m_shared.options.snapshotDeadline)) {
    response.set(http::field::content_type, kMetricsContentType);
    response.body() = formatMetrics(*snapshot);
  } else {
    response.result(http::status::service_unavailable);
    response.body() = "the node did not answer in time\n";
  }
  return response;
}

void MetricsSession::write(Response response) {
  m_response.emplace(std::move(response));
  m_response->prepare_payload();
  m_stream.expires_after(m_shared.options.ioTimeout);
  http::async_write(m_stream, *m_response,
                    [self = shared_from_this()](beast::error_code error, std::size_t) {
                      const bool keep = !error && self->m_response->keep_alive();
                      self->m_response.reset();
                      if (keep) {
                        self->read();
                      } else {
                        self->close();
                      }
                    });
}

void MetricsSession::close() {
  beast::error_code ignored;
  m_stream.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
  m_stream.close();
}

}  // namespace plexus::host
