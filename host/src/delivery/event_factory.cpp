#include "delivery/event_factory.h"

#include <time.h>

#include <chrono>

#include "plexus/ipc/protocol.h"

namespace plexus::host {

namespace {
std::int64_t monotonicNs() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}
}  // namespace

void stampEvent(v1::Event& event, std::string_view source) {
  event.set_source(std::string(source));
  event.set_published_at_unix_ns(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  event.set_published_mono_ns(monotonicNs());
}

ipc::SharedBytes serializeEvent(const v1::Event& event) {
  const std::size_t size = event.ByteSizeLong();
  ipc::SharedBytes bytes = ipc::SharedBytes::allocate(size);
  event.SerializeWithCachedSizesToArray(reinterpret_cast<std::uint8_t*>(bytes.mutableData()));
  return bytes;
}

v1::Event hostEvent(v1::EventType type) {
  v1::Event event;
  event.set_type(type);
  stampEvent(event, ipc::kHostSource);
  return event;
}

v1::Event makeModuleLoadedEvent(const std::string& moduleId, const std::string& name,
                                const std::string& version, std::uint64_t incarnation, int pid) {
  v1::Event event = hostEvent(v1::EVENT_TYPE_MODULE_LOADED);
  auto* loaded = event.mutable_module_loaded();
  loaded->set_module_id(moduleId);
  loaded->set_name(name);
  loaded->set_version(version);
  loaded->set_incarnation(incarnation);
  loaded->set_pid(pid);
  return event;
}

}  // namespace plexus::host
