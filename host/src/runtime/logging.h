#pragma once

// Component loggers ("node", "events", "supervisor", "control", "module"), all writing to the
// same sink: stderr through a StreamSink, so a blocked stream drops and counts lines instead of
// stalling whoever logs; levels are set per component from the config. Thread rule: any thread
// (spdlog loggers are thread-safe); configureLogging() once at start-up before other threads exist.

#include <spdlog/spdlog.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>

namespace plexus::host {

std::shared_ptr<spdlog::logger> logger(const std::string& component);

// `level`: trace|debug|info|warn|error|off. Throws std::invalid_argument for unknown names.
// Also routes libprotobuf's own messages to the rate-limited component "protobuf".
void configureLogging(const std::string& level,
                      const std::map<std::string, std::string>& components);

// At exit: gives the log stream up to `timeout` to take the lines it could not take yet, and
// the count of lines dropped while it was blocked. Returns whether it took them all.
bool drainLog(std::chrono::milliseconds timeout);

}  // namespace plexus::host
