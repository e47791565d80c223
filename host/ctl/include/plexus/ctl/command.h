#pragma once

// What one plexusctl invocation asks for, after argument parsing: the global options and one
// command. Pure data, so parsing, request building and formatting can be tested apart.

#include <plexus/v1/config.pb.h>
#include <plexus/v1/events.pb.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace plexus::ctl {

// Documented in `plexusctl --help`; scripts depend on these values.
enum class ExitCode : int {
  Ok = 0,
  ErrorReply = 1,   // the node answered with an error
  Usage = 2,        // bad command line
  Unreachable = 3,  // no node, or no answer in time
};

inline constexpr std::chrono::milliseconds kDefaultTimeout{5000};
// load, unload and reload are answered only once the module is ready or gone.
inline constexpr std::chrono::milliseconds kLifecycleTimeout{30000};

struct GlobalOptions {
  std::string runtimeDir;                            // empty: the default resolution
  std::optional<std::chrono::milliseconds> timeout;  // nullopt: not given on the command line
  bool json = false;
};

struct StatusCommand {};
struct ModulesCommand {};
struct StatsCommand {
  std::string moduleId;  // empty: every module
  bool reset = false;
};
struct SubscribersCommand {
  v1::EventType type = v1::EVENT_TYPE_UNSPECIFIED;
};
struct PublishCommand {
  v1::Event event;  // type and payload, already built from --payload
  std::uint32_t count = 1;
};
struct LoadCommand {
  v1::ModuleConfig module;  // only `name` unless --exec was given
};
struct UnloadCommand {
  std::string moduleId;
};
struct ReloadCommand {
  std::string moduleId;
};
struct ForgetCommand {
  std::string moduleId;
};
struct MaintenanceCommand {
  v1::MaintenanceOperation operation = v1::MAINTENANCE_OPERATION_UNSPECIFIED;
  v1::Urgency urgency = v1::URGENCY_LOW;
  std::string reason;
  std::uint64_t timeoutMs = 0;  // 0: the node's default
};
// The node's journal: directory, journaled types, offsets, counters, writer state.
struct JournalCommand {};
// `journal read`: journaled events from an offset or a time, as JSON lines, paged by plexusctl.
struct JournalReadCommand {
  static constexpr std::uint64_t kDefaultCount = 100;
  static constexpr std::uint64_t kMaxPerRequest = 10000;  // the node's limit per read
  std::uint64_t fromOffset = 0;                           // 0: --since
  std::optional<std::int64_t> sinceUnixMs;                // --since TIME (RFC 3339)
  std::optional<std::int64_t> sinceAgoMs;                 // --since DURATION ago (10m, 2h, 1d)
  std::vector<v1::EventType> types;                       // empty: every journaled type
  std::uint64_t count = kDefaultCount;                    // events to print; 0: up to the head
};
// Durable modules' cursors and their lag; with deleteModule, forget that module's cursor.
struct CursorsCommand {
  std::string deleteModule;  // empty: list
};
struct TailCommand {
  std::vector<v1::EventType> types;    // empty: every type
  std::string filter;                  // content filter for each of types; "" = none
  std::optional<std::uint64_t> count;  // stop after this many events
};

using Command =
    std::variant<StatusCommand, ModulesCommand, StatsCommand, SubscribersCommand, PublishCommand,
                 LoadCommand, UnloadCommand, ReloadCommand, MaintenanceCommand, TailCommand,
                 ForgetCommand, JournalCommand, CursorsCommand, JournalReadCommand>;

struct Invocation {
  GlobalOptions globals;
  Command command;
};

// `plexusctl --help`, `plexusctl help stats`, `plexusctl stats --help`.
struct HelpRequest {
  std::string command;  // empty: the general help
};
struct VersionRequest {};
// `plexusctl keygen NAME [--dir DIR]`: writes a CURVE key pair; needs no node.
struct KeygenRequest {
  std::string name;
  std::string dir = ".";
};

using ParsedArgs = std::variant<Invocation, HelpRequest, VersionRequest, KeygenRequest>;

}  // namespace plexus::ctl
