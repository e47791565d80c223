// plexus-test-reentrant: a module for the SDK's thread rules, tested against the real node. It
// records what happens as lines in a report file:
//   event <height>                     a NewBlock reached the handler
//   handler-publish <height> <ok N|CODE message>
//                                      what publish() from inside that handler answered
//   stats-waited <yes|no> <routed>     stats() called from another thread while a handler ran
//                                      returned only after that handler (yes)
//   linger-cpu-ms <N>                  CPU this process used while it lingered after run()
//   exit <status>
// Options (module args):
//   --report FILE            where to write (required)
//   --publish-in-handler     every NewBlock below height 1000 publishes NewBlock height+1000
//                            from inside its handler, while more events keep arriving
//   --publish-type TYPE      what that handler publishes: NewBlock (the default, as above) or
//                            PeerConnected (peer "handler-<height>"), for other subscribers
//   --outlive-node           clear PR_SET_PDEATHSIG (the node set it to SIGKILL): the process
//                            survives a killed node, so its SDK finds the connection lost
//   --stats-from-thread MS   the first handler asks another thread to call stats(), then keeps
//                            running for MS ms before it returns
//   --linger-after-stop MS   the first NewBlock calls stop(); once run() returned, stop() is
//                            called again (a late stop() from elsewhere) and the process lingers
//                            MS ms with its Module alive (its cleanup), measuring its own CPU

#include <plexus/sdk/module.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>

#include "report_file.h"

namespace {

// User + system CPU of this process, in milliseconds.
double cpuMs() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  auto ms = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) * 1000.0 + static_cast<double>(t.tv_usec) / 1000.0;
  };
  return ms(usage.ru_utime) + ms(usage.ru_stime);
}

}  // namespace

int main(int argc, char** argv) {
  std::string reportPath;
  bool publishInHandler = false;
  std::string publishType = "NewBlock";
  bool outliveNode = false;
  int statsHandlerMs = -1;
  int lingerMs = -1;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--report" && i + 1 < argc) {
      reportPath = argv[++i];
    } else if (arg == "--publish-in-handler") {
      publishInHandler = true;
    } else if (arg == "--publish-type" && i + 1 < argc) {
      publishType = argv[++i];
    } else if (arg == "--outlive-node") {
      outliveNode = true;
    } else if (arg == "--stats-from-thread" && i + 1 < argc) {
      statsHandlerMs = std::stoi(argv[++i]);
    } else if (arg == "--linger-after-stop" && i + 1 < argc) {
      lingerMs = std::stoi(argv[++i]);
    } else {
      std::cerr << "unknown option " << arg << "\n";
      return 64;
    }
  }
  if (reportPath.empty() || (publishType != "NewBlock" && publishType != "PeerConnected")) {
    return 64;
  }
  const bool publishPeer = publishType == "PeerConnected";
  if (outliveNode) {
    ::prctl(PR_SET_PDEATHSIG, 0);
    // Its stdout and stderr are pipes to the node: once the node is gone, what the SDK writes
    // there (why run() ends) must not kill it.
    ::signal(SIGPIPE, SIG_IGN);
  }
  plexus::test::ReportFile report(reportPath);
  auto module = plexus::sdk::Module::fromEnvironment();

  std::mutex mutex;
  std::condition_variable changed;
  bool askStats = false;
  std::atomic<bool> handlerReturned{false};
  std::thread asker;
  if (statsHandlerMs >= 0) {
    asker = std::thread([&] {
      {
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] { return askStats; });
      }
      auto stats = module.stats();
      report.line(std::string("stats-waited ") + (handlerReturned ? "yes" : "no") + " " +
                  (stats ? std::to_string(stats->routed()) : stats.error().message));
    });
  }

  bool first = true;
  module.on(plexus::v1::EVENT_TYPE_NEW_BLOCK, [&](const plexus::sdk::Delivery& delivery) {
    const std::uint64_t height = delivery.event().new_block().height();
    report.line("event " + std::to_string(height));
    if (lingerMs >= 0) module.stop();
    if (publishInHandler && height < 1000) {
      plexus::v1::Event event;
      if (publishPeer) {
        event.set_type(plexus::v1::EVENT_TYPE_PEER_CONNECTED);
        event.mutable_peer_connected()->set_peer_id("handler-" + std::to_string(height));
      } else {
        event.set_type(plexus::v1::EVENT_TYPE_NEW_BLOCK);
        event.mutable_new_block()->set_height(height + 1000);
      }
      auto answer = module.publish(event);
      report.line("handler-publish " + std::to_string(height) + " " +
                  (answer ? "ok " + std::to_string(answer->subscribers())
                          : plexus::v1::ErrorCode_Name(answer.error().code) + " " +
                                answer.error().message));
    }
    if (statsHandlerMs >= 0 && first) {
      first = false;
      {
        std::lock_guard lock(mutex);
        askStats = true;
      }
      changed.notify_all();
      // The handler is busy: the stats() request waits for it.
      std::this_thread::sleep_for(std::chrono::milliseconds(statsHandlerMs));
      handlerReturned = true;
    }
  });
  const int status = module.run();
  if (asker.joinable()) {
    {
      std::lock_guard lock(mutex);
      askStats = true;
    }
    changed.notify_all();
    asker.join();
  }
  if (lingerMs >= 0) {
    // Whatever arrives now waits for a run() loop that is over: the SDK must not spin on it.
    module.stop();
    const double before = cpuMs();
    std::this_thread::sleep_for(std::chrono::milliseconds(lingerMs));  // the module's cleanup
    report.line("linger-cpu-ms " + std::to_string(static_cast<long>(cpuMs() - before)));
  }
  report.line("exit " + std::to_string(status));
  return status;
}
