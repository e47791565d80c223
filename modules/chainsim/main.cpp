// plexus-chainsim: a simulated chain. Publishes NewBlock at `blocks_per_s` and, for each block,
// `txs_per_block` NewTransaction events, so a default node shows live traffic.
// Settings: blocks_per_s (default 1), txs_per_block (default 3), start_height (default 1).
// Needs capabilities { publish: [EVENT_TYPE_NEW_BLOCK, EVENT_TYPE_NEW_TRANSACTION] }.

#include <plexus/sdk/module.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <iostream>
#include <random>
#include <thread>

#include "plexus/ipc/thread_annotations.h"

namespace {

// Tells the producer thread to stop, also in the middle of its wait for the next block.
class StopSignal {
 public:
  // True when stop() was called, at once or before `deadline`.
  bool waitUntil(std::chrono::steady_clock::time_point deadline) {
    plexus::MutexLock lock(m_mutex);
    return lock.waitUntil(m_wake, deadline, [&]() PLEXUS_REQUIRES(m_mutex) { return m_stopping; });
  }
  void stop() {
    {
      plexus::MutexLock lock(m_mutex);
      m_stopping = true;
    }
    m_wake.notify_all();
  }

 private:
  plexus::Mutex m_mutex;
  std::condition_variable m_wake;
  bool m_stopping PLEXUS_GUARDED_BY(m_mutex) = false;
};

std::string hex(std::mt19937_64& rng, int bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < bytes; ++i) {
    auto b = static_cast<unsigned>(rng() & 0xff);
    out += kHex[b >> 4];
    out += kHex[b & 0xf];
  }
  return out;
}

}  // namespace

int main() {
  try {
    auto module = plexus::sdk::Module::fromEnvironment({"chainsim", "1.0.0"});
    const double blocksPerSecond = std::stod(module.setting("blocks_per_s", "1"));
    const int txsPerBlock = std::stoi(module.setting("txs_per_block", "3"));
    std::uint64_t height = std::stoull(module.setting("start_height", "1"));
    if (blocksPerSecond <= 0) throw std::invalid_argument("blocks_per_s must be positive");

    StopSignal stopSignal;
    std::thread producer([&] {
      std::mt19937_64 rng(std::random_device{}());
      const auto period = std::chrono::duration<double>(1.0 / blocksPerSecond);
      auto next = std::chrono::steady_clock::now();
      for (;; ++height) {
        if (stopSignal.waitUntil(next)) return;
        next += std::chrono::duration_cast<std::chrono::steady_clock::duration>(period);
        plexus::v1::Event block;
        block.set_type(plexus::v1::EVENT_TYPE_NEW_BLOCK);
        block.mutable_new_block()->set_hash(hex(rng, 32));
        block.mutable_new_block()->set_height(height);
        block.mutable_new_block()->set_time_unix_s(std::time(nullptr));
        auto published = module.publish(block);
        if (!published) {
          std::cerr << "chainsim: NewBlock " << height << " refused: " << published.error().message
                    << std::endl;
          continue;
        }
        for (int i = 0; i < txsPerBlock; ++i) {
          plexus::v1::Event tx;
          tx.set_type(plexus::v1::EVENT_TYPE_NEW_TRANSACTION);
          tx.mutable_new_transaction()->set_txid(hex(rng, 32));
          tx.mutable_new_transaction()->set_size(200 + rng() % 800);
          tx.mutable_new_transaction()->set_fee(rng() % 10000);
          if (auto r = module.publish(tx); !r) {
            std::cerr << "chainsim: NewTransaction refused: " << r.error().message << std::endl;
          }
        }
      }
    });
    int status = module.run();  // returns at NodeShutdown
    stopSignal.stop();
    producer.join();
    return status;
  } catch (const std::exception& e) {
    std::cerr << "plexus-chainsim: " << e.what() << "\n";
    return 1;
  }
}
