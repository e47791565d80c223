#pragma once

// The journal's configuration (NodeConfig.journal, docs/design.md "Journal"): checks, defaults
// and where the journal lives.
// Thread rule: pure functions (journalDirectory reads the environment through `getenv`).

#include <plexus/v1/config.pb.h>

#include <bitset>
#include <cstdint>
#include <filesystem>
#include <functional>

#include "journal/journal_types.h"
#include "plexus/ipc/event_types.h"
#include "plexus/ipc/result.h"

namespace plexus::host {

inline constexpr std::uint32_t kDefaultJournalQueue = 65536;
// Retention when the config gives none: 1 GiB of bodies, 7 days.
inline constexpr std::uint64_t kDefaultJournalMaxBytes = std::uint64_t{1} << 30;
inline constexpr std::uint64_t kDefaultJournalMaxAgeS = std::uint64_t{7} * 24 * 3600;

// NodeConfig.journal: valid non-lifecycle types, each at most once; a known sync. (Its numeric
// fields have ranges in config_checks.)
// Also checks every module's durable fields (checkDurable).
Status checkJournal(const v1::NodeConfig& config);
// A module's durable, start and start_offset: durable needs a journal; start and start_offset
// only for a durable module, and only together. Also for a module loaded at run time.
Status checkDurable(const v1::ModuleConfig& module, const v1::NodeConfig& config);

// Indexed by EventType number: the journaled types (none when the journal is disabled; the chain
// and governance types when the config names none).
std::bitset<ipc::kEventTypeSlots> journaledTypes(const v1::NodeConfig& config);

Retention journalRetention(const v1::NodeConfig& config);

// journal.path, else $STATE_DIRECTORY (the first of its colon-separated list), else
// $XDG_STATE_HOME/plexus, else $HOME/.local/state/plexus (empty variables count as unset).
// An error when none of them is there.
using GetEnv = std::function<const char*(const char*)>;
Result<std::filesystem::path> journalDirectory(const v1::NodeConfig& config, const GetEnv& getenv);

}  // namespace plexus::host
