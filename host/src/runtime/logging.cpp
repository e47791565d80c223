#include "runtime/logging.h"

#include <google/protobuf/stubs/logging.h>
#include <unistd.h>

#include <stdexcept>

#include "plexus/ipc/thread_annotations.h"
#include "runtime/rate_limited_log.h"
#include "runtime/stream_sink.h"

namespace plexus::host {

namespace {

Mutex g_mutex;
spdlog::level::level_enum g_defaultLevel PLEXUS_GUARDED_BY(g_mutex) = spdlog::level::info;
std::map<std::string, spdlog::level::level_enum> g_componentLevels PLEXUS_GUARDED_BY(g_mutex);

// stderr, never blocking: a blocked stream drops and counts lines (StreamSink).
std::shared_ptr<StreamSink> sharedSink() {
  static std::shared_ptr<StreamSink> sink = [] {
    auto s = std::make_shared<StreamSink>(STDERR_FILENO, StreamSink::colorTerminal(STDERR_FILENO));
    s->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ [%n] %v");
    return s;
  }();
  return sink;
}

// "module.logger" takes the level of "module.logger", else of "module", else the default.
spdlog::level::level_enum levelFor(const std::string& name) PLEXUS_REQUIRES(g_mutex) {
  auto it = g_componentLevels.find(name);
  if (it == g_componentLevels.end()) it = g_componentLevels.find(name.substr(0, name.find('.')));
  return it != g_componentLevels.end() ? it->second : g_defaultLevel;
}

spdlog::level::level_enum parseLevel(const std::string& name) {
  auto level = spdlog::level::from_str(name);
  if (level == spdlog::level::off && name != "off") {
    throw std::invalid_argument("unknown log level '" + name +
                                "' (trace|debug|info|warn|error|off)");
  }
  return level;
}

// libprotobuf writes a line to stderr for every message it refuses to parse (a string field
// that is not UTF-8): a module could flood the node's log with them. Its messages go through
// the "protobuf" component instead, at most one line per source location every 5 s.
void protobufLogHandler(google::protobuf::LogLevel level, const char* file, int line,
                        const std::string& message) {
  if (level == google::protobuf::LOGLEVEL_FATAL) {
    logger("protobuf")->critical("{}:{}: {}", file, line, message);
    return;
  }
  static Mutex mutex;
  static RateLimitedLog limited PLEXUS_GUARDED_BY(mutex){logger("protobuf"),
                                                         std::chrono::seconds(5)};
  MutexLock lock(mutex);
  limited.warn(std::string(file) + ":" + std::to_string(line), [&] { return message; });
}

}  // namespace

std::shared_ptr<spdlog::logger> logger(const std::string& component) {
  MutexLock lock(g_mutex);
  if (auto existing = spdlog::get(component)) return existing;
  auto created = std::make_shared<spdlog::logger>(component, sharedSink());
  created->set_level(levelFor(component));
  spdlog::register_logger(created);
  return created;
}

bool drainLog(std::chrono::milliseconds timeout) {
  return sharedSink()->drain(timeout);
}

void configureLogging(const std::string& level,
                      const std::map<std::string, std::string>& components) {
  auto defaultLevel = level.empty() ? spdlog::level::info : parseLevel(level);
  std::map<std::string, spdlog::level::level_enum> perComponent;
  for (const auto& [component, name] : components)
    perComponent[component] = parseLevel(name);
  MutexLock lock(g_mutex);
  g_defaultLevel = defaultLevel;
  g_componentLevels = std::move(perComponent);
  // apply_all calls the lambda here, under the lock.
  spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& log)
                        PLEXUS_REQUIRES(g_mutex) { log->set_level(levelFor(log->name())); });
  google::protobuf::SetLogHandler(&protobufLogHandler);
}

}  // namespace plexus::host
