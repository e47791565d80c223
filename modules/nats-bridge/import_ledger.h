#pragma once

// ImportLedger: the highest journal offset of one origin node that the bridge imported into its
// node, kept in `<state dir>/imported-<origin node>` so a JetStream redelivery (a bridge killed
// before its ack reached NATS, an ack lost) is dropped, not published twice. The file is an
// append-only list of offsets, one decimal line each, written with one write(2) per import after
// the node accepted the event and before the JetStream ack; opening it keeps the highest one and
// compacts the file to that line (temporary file + rename). A line cut by a crash is ignored.
// Thread rule: one thread owns a ledger (the import thread of its origin node).

#include <cstdint>
#include <filesystem>
#include <string>

namespace plexus::bridge {

class ImportLedger {
 public:
  // Creates the directory if needed; throws std::runtime_error saying what failed.
  ImportLedger(const std::filesystem::path& stateDir, const std::string& originNode);
  ~ImportLedger();
  ImportLedger(const ImportLedger&) = delete;
  ImportLedger& operator=(const ImportLedger&) = delete;

  // The highest offset recorded; 0 when none.
  std::uint64_t highest() const { return m_highest; }
  // Whether `offset` was imported already (at or below highest()).
  bool seen(std::uint64_t offset) const { return offset <= m_highest; }
  // Records `offset` as imported (higher than highest()); throws std::runtime_error when the
  // write fails (the bridge must not ack what it could not record).
  void record(std::uint64_t offset);

  const std::filesystem::path& path() const { return m_path; }

 private:
  std::filesystem::path m_path;
  std::uint64_t m_highest = 0;
  int m_fd = -1;
};

}  // namespace plexus::bridge
