// A wake-up through poll(2) against one through epoll(7), with the waiter's set holding N
// eventfds: the benchmark thread signals the first, a waiter thread blocked in poll/epoll_wait
// reads it and signals back. Per round trip; "waiter_cpu_us" is the waiter's CPU per wake-up.
// Decided the node loop's wait (docs/performance.md "The node loop on epoll").

#include <benchmark/benchmark.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

namespace plexus::bench {
namespace {

double threadCpuNs() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

void signal(int fd) {
  const std::uint64_t one = 1;
  if (::write(fd, &one, sizeof one) != sizeof one) std::abort();
}

void consume(int fd) {
  std::uint64_t value = 0;
  if (::read(fd, &value, sizeof value) != sizeof value) std::abort();
}

void wakeRoundTrip(benchmark::State& state, bool useEpoll) {
  const auto count = static_cast<std::size_t>(state.range(0));
  std::vector<pollfd> fds;
  for (std::size_t i = 0; i < count; ++i)
    fds.push_back({::eventfd(0, EFD_CLOEXEC), POLLIN, 0});
  const int back = ::eventfd(0, EFD_CLOEXEC);
  const int epoll = ::epoll_create1(EPOLL_CLOEXEC);
  for (const pollfd& p : fds) {
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = p.fd;
    ::epoll_ctl(epoll, EPOLL_CTL_ADD, p.fd, &event);
  }
  std::atomic<bool> done{false};
  std::atomic<double> waiterCpu{0};
  std::atomic<std::int64_t> wakes{0};
  std::thread waiter([&] {
    const double start = threadCpuNs();
    std::vector<epoll_event> events(count);
    for (;;) {
      if (useEpoll) {
        ::epoll_wait(epoll, events.data(), static_cast<int>(count), -1);
      } else {
        ::poll(fds.data(), fds.size(), -1);
      }
      consume(fds[0].fd);
      if (done.load()) break;
      ++wakes;
      signal(back);
    }
    waiterCpu = threadCpuNs() - start;
  });
  for (auto _ : state) {
    signal(fds[0].fd);
    consume(back);
  }
  done = true;
  signal(fds[0].fd);
  waiter.join();
  state.counters["waiter_cpu_us"] =
      wakes > 0 ? waiterCpu.load() / static_cast<double>(wakes.load()) / 1e3 : 0.0;
  for (const pollfd& p : fds)
    ::close(p.fd);
  ::close(back);
  ::close(epoll);
}

void BM_WakeThroughPoll(benchmark::State& state) {
  wakeRoundTrip(state, false);
}
void BM_WakeThroughEpoll(benchmark::State& state) {
  wakeRoundTrip(state, true);
}
BENCHMARK(BM_WakeThroughPoll)->Arg(2)->Arg(14)->UseRealTime();
BENCHMARK(BM_WakeThroughEpoll)->Arg(2)->Arg(14)->UseRealTime();

}  // namespace
}  // namespace plexus::bench
