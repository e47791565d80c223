// plexus-hop-floor: what one thread hop costs an event's latency on this machine, with nothing
// else in the way. A ROUTER fans every event out to N single-threaded DEALER processes over
// ipc://, one message per module per event, at RATE events/s (as ../shared/bench/zmq_fanout.cpp
// does); each module measures send-to-receive latency on the steady clock. Two modes:
//   direct: the publishing thread owns the ROUTER and sends (raw ZeroMQ's shape);
//   hop:    the publishing thread stamps the event and pushes it into an ipc::WakeQueue (the
//           node's in-process publisher queue, wake-ups elided the same way); a sender thread
//           that owns the ROUTER, blocked in poll(2) on the queue's eventfd and the ROUTER's
//           ZMQ_FD, drains it and sends (the node loop's shape, without routing or protobuf).
// The difference between the two is the lever "let the publishing thread route when the loop
// is idle" (docs/performance.md). Prints the worst module's p50/p99, as the peers do:
//   system=hop-floor mode=M modules=N events=E size=S rate=R p50_us= p99_us=
// usage: plexus-hop-floor direct|hop N EVENTS SIZE RATE
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "floor_modules.h"
#include "plexus/ipc/wake_queue.h"

namespace {

long nowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int moduleMain(const std::string& endpoint, int id) {
  zmq::context_t context;
  zmq::socket_t socket(context, zmq::socket_type::dealer);
  socket.set(zmq::sockopt::routing_id, "m" + std::to_string(id));
  socket.set(zmq::sockopt::rcvhwm, 0);
  socket.connect(endpoint);
  socket.send(zmq::str_buffer("hello"));
  std::vector<long> latencies;
  latencies.reserve(1 << 20);
  for (;;) {
    zmq::message_t message;
    (void)socket.recv(message);
    if (message.size() == 3) break;  // "end"
    long stamp = 0;
    std::memcpy(&stamp, message.data(), sizeof stamp);
    latencies.push_back(nowNs() - stamp);
  }
  std::sort(latencies.begin(), latencies.end());
  auto at = [&](double q) {
    if (latencies.empty()) return 0L;
    return latencies[std::min(latencies.size() - 1,
                              static_cast<std::size_t>(q * static_cast<double>(latencies.size())))];
  };
  const std::string report = std::to_string(at(0.5)) + " " + std::to_string(at(0.99));
  socket.send(zmq::buffer(report));
  return 0;
}

void sendToAll(zmq::socket_t& router, const std::vector<std::string>& ids,
               const std::string& body) {
  for (const auto& id : ids) {
    router.send(zmq::buffer(id), zmq::send_flags::sndmore);
    router.send(zmq::buffer(body));
  }
}

int run(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "--module")
    return moduleMain(argv[2], std::atoi(argv[3]));
  if (argc < 6 || (std::string(argv[1]) != "direct" && std::string(argv[1]) != "hop")) {
    std::fprintf(stderr, "usage: plexus-hop-floor direct|hop N EVENTS SIZE RATE\n");
    return 2;
  }
  const bool hop = std::string(argv[1]) == "hop";
  const int modules = std::atoi(argv[2]);
  const long events = std::atol(argv[3]);
  const std::size_t size = std::max<std::size_t>(8, std::atol(argv[4]));
  const long rate = std::max(1L, std::atol(argv[5]));
  const std::string endpoint = "ipc:///tmp/plexus_hop_floor_" + std::to_string(::getpid());
  zmq::context_t context;
  zmq::socket_t router(context, zmq::socket_type::router);
  router.set(zmq::sockopt::router_mandatory, 1);
  router.set(zmq::sockopt::sndhwm, 0);
  router.bind(endpoint);
  const std::vector<pid_t> children =
      plexus::bench::spawnModules(argv[0], modules, "--module", endpoint);
  const std::vector<std::string> ids = plexus::bench::collectIds(router, modules);

  plexus::ipc::WakeQueue<std::string> queue(8192);
  std::thread sender;
  if (hop) {
    sender = std::thread([&] {  // owns the ROUTER from here until it is joined
      const int zmqFd = router.get(zmq::sockopt::fd);
      std::vector<std::string> batch;
      for (;;) {
        if (!queue.prepareToSleep()) {
          pollfd items[2] = {{queue.fd(), POLLIN, 0}, {zmqFd, POLLIN, 0}};
          ::poll(items, 2, -1);
        }
        queue.awake();
        (void)router.get(zmq::sockopt::events);  // takes its commands: ZMQ_FD reads clear again
        batch.clear();
        queue.drain(batch);
        for (const auto& body : batch) {
          if (body.empty()) return;  // the end
          sendToAll(router, ids, body);
        }
      }
    });
  }
  std::string payload(size, 'x');
  const long t0 = nowNs();
  for (long e = 0; e < events; ++e) {
    const long due = t0 + e * 1'000'000'000L / rate;
    if (nowNs() < due) std::this_thread::sleep_for(std::chrono::nanoseconds(due - nowNs()));
    const long stamp = nowNs();
    std::memcpy(payload.data(), &stamp, sizeof stamp);
    if (hop) {
      (void)queue.push(payload);
    } else {
      sendToAll(router, ids, payload);
    }
  }
  if (hop) {
    (void)queue.push(std::string());
    sender.join();
  }
  sendToAll(router, ids, "end");
  long p50 = 0, p99 = 0;
  for (int i = 0; i < modules; ++i) {
    zmq::message_t id, report;
    (void)router.recv(id);
    (void)router.recv(report);
    long a = 0, b = 0;
    std::sscanf(report.to_string().c_str(), "%ld %ld", &a, &b);
    p50 = std::max(p50, a);
    p99 = std::max(p99, b);
  }
  for (pid_t pid : children)
    ::waitpid(pid, nullptr, 0);
  std::remove(endpoint.substr(6).c_str());
  std::printf(
      "system=hop-floor mode=%s modules=%d events=%ld size=%zu rate=%ld p50_us=%.1f "
      "p99_us=%.1f\n",
      hop ? "hop" : "direct", modules, events, size, rate, static_cast<double>(p50) / 1e3,
      static_cast<double>(p99) / 1e3);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "plexus-hop-floor: %s\n", e.what());
    return 1;
  }
}
