#pragma once

// MemoryJournal: an in-memory JournalStore with the SQLite store's semantics (the typed suite in
// journal/journal_store_test.cpp runs against both). Thread rule: as JournalStore's.

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "journal/journal_store.h"

namespace plexus::host {

class MemoryJournal final : public JournalStore {
 public:
  Status append(const JournalBatch& batch) override {
    if (const std::string why = checkBatch(batch, m_last); !why.empty())
      return makeError(v1::ERROR_CODE_INVALID_ARGUMENT, "journal append: " + why);
    for (const JournalEvent& event : batch.events) {
      m_events[event.offset] = event;
      m_last = std::max(m_last, event.offset);
    }
    for (const Hole& hole : batch.holes) {
      m_holes[hole.first] = hole;
      m_last = std::max(m_last, hole.last);
    }
    for (const Cursor& cursor : batch.cursors)
      m_cursors[cursor.moduleId] = cursor;
    for (const std::string& moduleId : batch.forgetCursors)
      m_cursors.erase(moduleId);
    m_reserved = std::max(m_reserved, batch.reservedThrough);
    return {};
  }
  Result<std::vector<JournalEvent>> read(std::uint64_t from, std::uint64_t to,
                                         std::size_t maxEvents,
                                         const std::vector<std::int32_t>& types) override {
    std::vector<JournalEvent> out;
    for (auto it = m_events.lower_bound(from);
         it != m_events.end() && it->first <= to && out.size() < maxEvents; ++it) {
      if (types.empty() || std::find(types.begin(), types.end(), it->second.type) != types.end())
        out.push_back(it->second);
    }
    return out;
  }
  Result<std::vector<Hole>> holes(std::uint64_t from, std::uint64_t to) override {
    std::vector<Hole> out;
    for (const auto& [first, hole] : m_holes)
      if (hole.last >= from && hole.first <= to) out.push_back(hole);
    return out;
  }
  Result<std::uint64_t> offsetAtOrAfter(std::int64_t timeNs) override {
    for (const auto& [offset, event] : m_events)
      if (event.timeNs >= timeNs) return offset;
    return std::uint64_t{0};
  }
  Status putCursor(const Cursor& cursor) override {
    m_cursors[cursor.moduleId] = cursor;
    return {};
  }
  Result<std::optional<Cursor>> getCursor(const std::string& moduleId) override {
    auto it = m_cursors.find(moduleId);
    if (it == m_cursors.end()) return std::optional<Cursor>{};
    return std::optional<Cursor>{it->second};
  }
  Result<bool> deleteCursor(const std::string& moduleId) override {
    return m_cursors.erase(moduleId) > 0;
  }
  Result<std::vector<Cursor>> listCursors() override {
    std::vector<Cursor> out;
    for (const auto& [id, cursor] : m_cursors)
      out.push_back(cursor);
    return out;
  }
  Result<TrimResult> trim(const Retention& retention, std::int64_t nowNs) override {
    TrimResult result;
    std::uint64_t bytes = totalBytes();
    while (!m_events.empty() && !retention.unlimited()) {
      const JournalEvent& oldest = m_events.begin()->second;
      const bool tooMany = retention.maxEvents > 0 && m_events.size() > retention.maxEvents;
      const bool tooBig = retention.maxBytes > 0 && bytes > retention.maxBytes;
      const bool tooOld = retention.maxAgeNs > 0 && oldest.timeNs < nowNs - retention.maxAgeNs;
      if (!tooMany && !tooBig && !tooOld) break;
      ++result.events;
      result.bytes += oldest.body.size();
      bytes -= oldest.body.size();
      m_lastTrimmed = oldest.offset;
      m_events.erase(m_events.begin());
    }
    if (result.events > 0) {
      const std::uint64_t below = m_events.empty() ? m_lastTrimmed + 1 : m_events.begin()->first;
      std::map<std::uint64_t, Hole> kept;
      for (auto [first, hole] : m_holes) {
        if (hole.last < below) {
          ++result.holes;
          continue;
        }
        hole.first = std::max(hole.first, below);
        kept[hole.first] = hole;
      }
      m_holes = std::move(kept);
    }
    result.firstOffset = m_events.empty() ? 0 : m_events.begin()->first;
    return result;
  }
  Result<JournalStats> stats() override {
    JournalStats stats;
    if (!m_events.empty()) {
      stats.firstOffset = m_events.begin()->first;
      stats.oldestTimeNs = m_events.begin()->second.timeNs;
    }
    stats.lastOffset = m_last;
    stats.events = m_events.size();
    stats.bytes = totalBytes();
    stats.holes = m_holes.size();
    for (const auto& [first, hole] : m_holes)
      stats.holeOffsets += hole.size();
    stats.reservedThrough = m_reserved;
    return stats;
  }
  std::uint64_t lastOffset() const override { return m_last; }
  std::uint64_t reservedThrough() const override { return m_reserved; }
  Status closeClean(std::uint64_t handedOutThrough) override {
    m_reserved = std::max(handedOutThrough, m_last);
    return {};
  }

 private:
  std::uint64_t totalBytes() const {
    std::uint64_t bytes = 0;
    for (const auto& [offset, event] : m_events)
      bytes += event.body.size();
    return bytes;
  }

  std::map<std::uint64_t, JournalEvent> m_events;
  std::map<std::uint64_t, Hole> m_holes;
  std::map<std::string, Cursor> m_cursors;
  std::uint64_t m_last = 0;
  std::uint64_t m_reserved = 0;
  std::uint64_t m_lastTrimmed = 0;
};

}  // namespace plexus::host
