#pragma once

// ImportLedger: the journal offsets of one origin node that the bridge imported into its node
// (the last kWindow of them), kept in `<state dir>/imported-<origin node>` so a JetStream
// redelivery (a bridge killed before its ack reached NATS, an ack lost) is dropped, not published
// twice. Redeliveries come out of order (a restarted consumer gets new messages before the
// unacked ones come back after the ack wait), so it keeps the offsets themselves, not a high-water
// mark; a redelivered message is one of the consumer's at most MaxAckPending (1000) unacked ones,
// far inside the window. The file is an append-only list of offsets, one decimal line each,
// written with one write(2) per import after the node accepted the event and before the
// JetStream ack; opening it compacts it to the window (temporary file + rename). A line cut by a
// crash is ignored.
// Thread rule: one thread owns a ledger (the import thread of its origin node).

#include <cstdint>
#include <filesystem>
#include <set>
#include <string>

namespace plexus::bridge {

class ImportLedger {
 public:
  // Creates the directory if needed; throws std::runtime_error saying what failed.
  ImportLedger(const std::filesystem::path& stateDir, const std::string& originNode);
  ~ImportLedger();
  ImportLedger(const ImportLedger&) = delete;
  ImportLedger& operator=(const ImportLedger&) = delete;

  static constexpr std::size_t kWindow = 65536;

  // The highest offset recorded; 0 when none.
  std::uint64_t highest() const { return m_recent.empty() ? m_floor : *m_recent.rbegin(); }
  // Whether `offset` was imported already (or lies below the window).
  bool seen(std::uint64_t offset) const { return offset <= m_floor || m_recent.contains(offset); }
  // Records `offset` as imported; throws std::runtime_error when the write fails (the bridge
  // must not ack what it could not record).
  void record(std::uint64_t offset);

  const std::filesystem::path& path() const { return m_path; }

 private:
  std::filesystem::path m_path;
  void insert(std::uint64_t offset);

  std::set<std::uint64_t> m_recent;  // the last kWindow offsets imported
  std::uint64_t m_floor = 0;         // the highest offset dropped from the window
  int m_fd = -1;
};

}  // namespace plexus::bridge
