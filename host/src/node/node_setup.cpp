#include "node/node_setup.h"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "config/journal_config.h"
#include "plexus/ipc/zap_authenticator.h"

namespace plexus::host {

std::optional<gid_t> controlGroupOf(const v1::NodeConfig& config) {
  if (config.control_group().empty()) return std::nullopt;
  auto gid = ipc::groupByName(config.control_group());
  if (!gid)
    throw std::runtime_error("control_group '" + config.control_group() + "': no such group");
  return gid;
}

RuntimeDir acquireOrThrow(const std::filesystem::path& path, std::optional<gid_t> group) {
  auto dir = RuntimeDir::acquire(path, group);
  if (!dir) throw std::runtime_error(dir.error().message);
  return std::move(dir).value();
}

std::unique_ptr<Journal> openConfiguredJournal(const v1::NodeConfig& config) {
  JournalSettings settings;
  settings.types = journaledTypes(config);
  if (settings.types.none()) return nullptr;
  // HOME unset (a bare service environment): the account's home from the password database.
  auto directory = journalDirectory(config, [](const char* name) -> const char* {
    const char* value = std::getenv(name);
    if (value == nullptr && std::strcmp(name, "HOME") == 0) {
      if (const passwd* account = ::getpwuid(::getuid())) return account->pw_dir;
    }
    return value;
  });
  if (!directory) throw std::runtime_error(directory.error().message);
  settings.directory = std::move(*directory);
  const v1::JournalConfig& journal = config.journal();
  settings.sqlite.sync = journal.sync() == v1::JOURNAL_SYNC_FULL ? SqliteOptions::Sync::Full
                                                                 : SqliteOptions::Sync::Normal;
  // SQLite's default page size (4096 bytes): max_page_count in pages.
  settings.sqlite.maxPageCount = static_cast<std::uint32_t>(
      std::min<std::uint64_t>(journal.max_file_bytes() / 4096, UINT32_MAX));
  settings.writer.queueCapacity = journal.queue() != 0 ? journal.queue() : kDefaultJournalQueue;
  settings.writer.retention = journalRetention(config);
  return openJournal(settings);
}

}  // namespace plexus::host
