#pragma once

// ServiceNotifier: tells the service manager how the node is doing (systemd's sd_notify
// protocol: "READY=1", "STATUS=...", "STOPPING=1", newline-separated assignments in one
// datagram). makeSystemdNotifier() sends them with libsystemd's sd_notify to $NOTIFY_SOCKET;
// without NOTIFY_SOCKET (not started by systemd with Type=notify) it is disabled and sends
// nothing. Its watchdog interval is systemd's WatchdogSec= ($WATCHDOG_USEC, for this pid when
// $WATCHDOG_PID is set; sd_watchdog_enabled). Unit tests record the messages with a fake.
// Thread rule: loop thread only (one datagram send per call, never blocking for long).

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace plexus::host {

class ServiceNotifier {
 public:
  virtual ~ServiceNotifier() = default;
  // False when nobody listens: callers may skip the work of building messages.
  virtual bool enabled() const = 0;
  // One notification: "KEY=value" assignments separated by newlines.
  virtual void notify(const std::string& assignments) = 0;
  // How often the service manager wants WATCHDOG=1 at the latest; nullopt: no watchdog.
  virtual std::optional<std::chrono::microseconds> watchdogInterval() const = 0;
};

std::unique_ptr<ServiceNotifier> makeSystemdNotifier();

}  // namespace plexus::host
