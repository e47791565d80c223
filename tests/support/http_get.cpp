#include "http_get.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace plexus::test {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::ip::tcp;

HttpReply httpGet(std::uint16_t port, const std::string& target,
                  std::chrono::milliseconds timeout) {
  HttpReply reply;
  asio::io_context io;
  tcp::socket socket(io);
  boost::system::error_code error;
  if (socket.connect({asio::ip::address_v4::loopback(), port}, error)) return reply;
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(timeout).count();
  timeval limit{static_cast<time_t>(micros / 1000000), static_cast<suseconds_t>(micros % 1000000)};
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  http::request<http::empty_body> request{http::verb::get, target, 11};
  request.set(http::field::host, "127.0.0.1");
  request.keep_alive(false);
  http::write(socket, request, error);
  if (error) return reply;
  boost::beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(std::uint64_t{64} * 1024 * 1024);
  http::read(socket, buffer, parser, error);
  if (error) return reply;
  reply.status = static_cast<int>(parser.get().result_int());
  reply.contentType = std::string(parser.get()[http::field::content_type]);
  reply.body = parser.get().body();
  return reply;
}

std::uint16_t freeLoopbackPort() {
  asio::io_context io;
  tcp::acceptor acceptor(io, {asio::ip::address_v4::loopback(), 0});
  return acceptor.local_endpoint().port();
}

}  // namespace plexus::test
