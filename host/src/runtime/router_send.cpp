#include "runtime/router_send.h"

#include <cerrno>

namespace plexus::host {

SendStatus sendToPeer(zmq::socket_t& router, std::string_view peer,
                      std::span<zmq::message_t> frames) {
  try {
    // The routing frame decides: later frames of the same message always go through.
    auto sent =
        router.send(zmq::buffer(peer), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
    if (!sent) return SendStatus::WouldBlock;
    for (std::size_t i = 0; i < frames.size(); ++i) {
      auto flags = i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none;
      (void)router.send(frames[i], flags | zmq::send_flags::dontwait);
    }
    return SendStatus::Sent;
  } catch (const zmq::error_t& e) {
    if (e.num() == EHOSTUNREACH) return SendStatus::Unreachable;
    if (e.num() == EAGAIN) return SendStatus::WouldBlock;
    throw;
  }
}

}  // namespace plexus::host
