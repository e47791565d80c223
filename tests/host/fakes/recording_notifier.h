#pragma once

// RecordingNotifier: a ServiceNotifier that keeps every message (enabled unless told
// otherwise), for tests of what the node tells systemd.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "runtime/service_notifier.h"

namespace plexus::host::fakes {

class RecordingNotifier final : public ServiceNotifier {
 public:
  explicit RecordingNotifier(bool enabled = true) : m_enabled(enabled) {}
  bool enabled() const override { return m_enabled; }
  void notify(const std::string& assignments) override { messages.push_back(assignments); }
  std::optional<std::chrono::microseconds> watchdogInterval() const override { return watchdog; }

  std::vector<std::string> messages;
  std::optional<std::chrono::microseconds> watchdog;

 private:
  bool m_enabled;
};

}  // namespace plexus::host::fakes
