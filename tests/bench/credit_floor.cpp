// plexus-credit-floor: what ZeroMQ allows for credit-windowed fan-out on this machine, with
// nothing else in the way. A ROUTER sends prebuilt packed batches of W 256-byte events to 4 DEALER
// processes; each module parses every event (protobuf) and acks the batch; the host sends the
// next batch on each ack (FLOOR_DEPTH batches in flight, default 1). Modules are one thread
// (default) or, with FLOOR_MODULE=--module2, the SDK's shape: an I/O thread owning the socket
// and a handler thread, acks handed back through an eventfd. docs/performance.md uses it to tell
// Plexus's own overhead from the transport's floor.
// usage: plexus-credit-floor W
#include <google/protobuf/message_lite.h>
#include <plexus/v1/events.pb.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "floor_modules.h"
static long now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
// Parses every length-prefixed event of a batch as the SDK would; returns how many.
int parseBatch(const zmq::message_t& batch, plexus::v1::Event& event) {
  const char* data = static_cast<const char*>(batch.data());
  std::size_t offset = 0;
  int count = 0;
  while (offset < batch.size()) {
    std::uint32_t length;
    std::memcpy(&length, data + offset, 4);
    offset += 4;
    event.ParseFromArray(data + offset, static_cast<int>(length));
    offset += length;
    ++count;
  }
  return count;
}

int module_main(const std::string& ep, int id) {
  zmq::context_t ctx;
  zmq::socket_t s(ctx, zmq::socket_type::dealer);
  s.set(zmq::sockopt::routing_id, "m" + std::to_string(id));
  s.connect(ep);
  s.send(zmq::str_buffer("hello"));
  plexus::v1::Event ev;
  long n = 0;
  for (;;) {
    zmq::message_t m;
    (void)s.recv(m);
    if (m.size() == 3) break;
    const int count = parseBatch(m, ev);
    n += count;
    s.send(zmq::buffer(&count, sizeof count));  // ack
  }
  s.send(zmq::buffer(&n, sizeof n));
  return 0;
}
// The SDK's shape: an I/O thread owns the socket, a handler thread parses, acks go back
// through an eventfd-signalled queue.
int module2_main(const std::string& ep, int id) {
  zmq::context_t ctx;
  zmq::socket_t s(ctx, zmq::socket_type::dealer);
  s.set(zmq::sockopt::routing_id, "m" + std::to_string(id));
  s.connect(ep);
  s.send(zmq::str_buffer("hello"));
  std::mutex mu;
  std::condition_variable cv;
  std::deque<zmq::message_t> inbox;
  std::mutex amu;
  std::vector<int> acks;
  int efd = eventfd(0, EFD_NONBLOCK);
  long n = 0;
  bool end = false;
  std::thread handler([&] {
    plexus::v1::Event ev;
    for (;;) {
      zmq::message_t m;
      {
        std::unique_lock l(mu);
        cv.wait(l, [&] { return !inbox.empty(); });
        m = std::move(inbox.front());
        inbox.pop_front();
      }
      if (m.size() == 3) {
        std::lock_guard l(amu);
        acks.push_back(-1);
        uint64_t one = 1;
        (void)!write(efd, &one, 8);
        return;
      }
      const int count = parseBatch(m, ev);
      n += count;
      {
        std::lock_guard l(amu);
        acks.push_back(count);
      }
      uint64_t one = 1;
      (void)!write(efd, &one, 8);
    }
  });
  int zfd = s.get(zmq::sockopt::fd);
  while (!end) {
    for (;;) {
      zmq::message_t m;
      if (!s.recv(m, zmq::recv_flags::dontwait)) break;
      {
        std::lock_guard l(mu);
        inbox.push_back(std::move(m));
      }
      cv.notify_one();
    }
    pollfd fds[2] = {{zfd, POLLIN, 0}, {efd, POLLIN, 0}};
    poll(fds, 2, 1000);
    if (fds[1].revents) {
      uint64_t c;
      (void)!read(efd, &c, 8);
      std::vector<int> a;
      {
        std::lock_guard l(amu);
        a.swap(acks);
      }
      for (int k : a) {
        if (k < 0) {
          end = true;
          break;
        }
        s.send(zmq::buffer(&k, sizeof k));
      }
    }
  }
  handler.join();
  s.send(zmq::buffer(&n, sizeof n));
  return 0;
}

// NOLINTNEXTLINE(bugprone-exception-escape): a measurement; an exception may end it
int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "--module") return module_main(argv[2], atoi(argv[3]));
  if (argc > 1 && std::string(argv[1]) == "--module2") return module2_main(argv[2], atoi(argv[3]));
  const char* kind = getenv("FLOOR_MODULE") ? getenv("FLOOR_MODULE") : "--module";
  int N = 4;
  long E = 200000;
  int W = atoi(argv[1]);
  const int depth = getenv("FLOOR_DEPTH") ? atoi(getenv("FLOOR_DEPTH")) : 1;  // batches in flight
  std::string ep = "ipc:///tmp/floor_" + std::to_string(getpid());
  zmq::context_t ctx;
  zmq::socket_t r(ctx, zmq::socket_type::router);
  r.set(zmq::sockopt::sndhwm, 0);
  r.bind(ep);
  plexus::bench::spawnModules(argv[0], N, kind, ep, {std::to_string(W)});
  const std::vector<std::string> ids = plexus::bench::collectIds(r, N);
  plexus::v1::Event ev;
  ev.set_type(plexus::v1::EVENT_TYPE_MESSAGE_RECEIVED);
  ev.mutable_message_received()->set_payload(std::string(256, 'x'));
  std::string body = ev.SerializeAsString();
  uint32_t len = body.size();
  std::string batch;
  for (int i = 0; i < W; ++i) {
    batch.append((char*)&len, 4);
    batch += body;
  }
  std::vector<long> sent(N, 0);
  long t0 = now_ns();
  for (int d = 0; d < depth; ++d)
    for (int i = 0; i < N; ++i) {
      r.send(zmq::buffer(ids[i]), zmq::send_flags::sndmore);
      r.send(zmq::buffer(batch));
      sent[i] += W;
    }
  long reported = 0, total = 0;
  while (reported < N) {
    zmq::message_t id, b;
    (void)r.recv(id);
    (void)r.recv(b);
    int k = std::stoi(id.to_string().substr(1));
    if (b.size() == 8) {
      long n;
      memcpy(&n, b.data(), 8);
      total += n;
      ++reported;
      continue;
    }
    if (sent[k] < E) {
      r.send(zmq::buffer(ids[k]), zmq::send_flags::sndmore);
      r.send(zmq::buffer(batch));
      sent[k] += W;
    } else if (sent[k] == E) {
      r.send(zmq::buffer(ids[k]), zmq::send_flags::sndmore);
      r.send(zmq::str_buffer("end"));
      sent[k]++;
    }
  }
  double secs = static_cast<double>(now_ns() - t0) / 1e9;
  for (int i = 0; i < N; ++i)
    wait(nullptr);
  printf("floor W=%d delivered=%ld secs=%.3f delivered_per_s=%.0f\n", W, total, secs,
         static_cast<double>(total) / secs);
}
