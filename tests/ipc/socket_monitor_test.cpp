// SocketMonitor over a real pair of loopback sockets, and the log text for refused handshakes.

#include "plexus/ipc/socket_monitor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cerrno>
#include <string>

namespace plexus::ipc {
namespace {

using ::testing::HasSubstr;

TEST(SocketMonitorTest, ReportsAConnectionOfTheMonitoredSocket) {
  zmq::context_t context;
  zmq::socket_t server(context, zmq::socket_type::router);
  server.bind("tcp://127.0.0.1:*");  // inproc connections raise no monitor events
  const std::string endpoint = server.get(zmq::sockopt::last_endpoint);
  zmq::socket_t client(context, zmq::socket_type::dealer);
  SocketMonitor monitor(context, client, ZMQ_EVENT_CONNECTED);
  EXPECT_FALSE(monitor.next(std::chrono::milliseconds(0)).has_value()) << "nothing yet";
  client.connect(endpoint);
  auto event = monitor.next(std::chrono::seconds(5));
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->event, ZMQ_EVENT_CONNECTED);
  EXPECT_EQ(event->endpoint, endpoint);
  EXPECT_STREQ(monitorEventName(event->event), "connected");
}

TEST(SocketMonitorTest, DescribesEachKindOfRefusedHandshake) {
  MonitorEvent event;
  event.event = ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL;
  event.value = ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH;
  EXPECT_THAT(describeHandshakeFailure(event), HasSubstr("another security mechanism"));
  event.value = ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND;
  EXPECT_THAT(describeHandshakeFailure(event), HasSubstr("handshake sequence"));
  event.value = ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO;
  EXPECT_THAT(describeHandshakeFailure(event), HasSubstr("malformed ZMTP command"));
  event.value = ZMQ_PROTOCOL_ERROR_ZAP_BAD_VERSION;  // anything else: the code, in hex
  EXPECT_EQ(describeHandshakeFailure(event), "ZMTP protocol error 0x20000003");
  event.event = ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL;
  event.value = EPIPE;
  EXPECT_THAT(describeHandshakeFailure(event), HasSubstr("Broken pipe"));
}

}  // namespace
}  // namespace plexus::ipc
