#pragma once

// RelayedOffsets: the relayed events this node took, per origin node by origin offset
// (docs/design.md "Relayed duplicates"), so that a relay module publishing one again (a bridge
// killed between the node's answer and its own record of it, then redelivered by JetStream) is
// answered `duplicate` instead of the event being routed twice: the node drops a seen
// (origin node, offset) the way JetStream drops a seen message id.
// Per origin node, a window of the kWindow offsets up to the highest one taken, a bit each
// (8 KiB). Offsets of one origin arrive nearly but not strictly in order (a restarted JetStream
// consumer gets new messages before the unacked ones come back after the ack wait), so it keeps
// each offset, not a high-water mark. An offset below the window counts as taken: one that late
// is a redelivery of something taken long ago (the bridge's ImportLedger says the same). At most
// kMaxOrigins origin nodes: taking from one more forgets the one that took nothing for longest
// (counted: evictedOrigins()). Offset 0 is never relayed (checkPublish refuses it).
// Thread rule: not thread-safe; one thread owns it (the node's: the loop thread, in ModuleServer).

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace plexus::host {

class RelayedOffsets {
 public:
  static constexpr std::uint64_t kWindow = 65536;
  static constexpr std::size_t kMaxOrigins = 256;

  // `window`: a positive multiple of 64; `maxOrigins` >= 1 (tests use small ones).
  explicit RelayedOffsets(std::uint64_t window = kWindow, std::size_t maxOrigins = kMaxOrigins);

  // Whether `offset` of `node` was taken, or lies below the node's window.
  bool taken(std::string_view node, std::uint64_t offset) const;
  // Records `offset` of `node` as taken; false (and nothing changes) when it was already.
  bool take(std::string_view node, std::uint64_t offset);
  // Forgets a take whose publish published nothing (the journal made no room in time), so the
  // relay's retry is routed, not answered `duplicate`. Nothing changes for an offset below the
  // window (it stays taken) or of an origin node no longer remembered.
  void release(std::string_view node, std::uint64_t offset);

  std::size_t origins() const { return m_origins.size(); }
  std::uint64_t evictedOrigins() const { return m_evicted; }

 private:
  struct Origin {
    std::uint64_t highest = 0;  // the highest offset taken
    // Offset o at bit o % window, for highest - window < o <= highest.
    std::vector<std::uint64_t> bits;
    std::uint64_t lastTaken = 0;  // m_clock at its latest take (the eviction order)
  };
  bool holds(const Origin& origin, std::uint64_t offset) const;
  void setBit(Origin& origin, std::uint64_t offset, bool value) const;
  Origin& originFor(std::string_view node);

  std::uint64_t m_window;
  std::size_t m_maxOrigins;
  std::map<std::string, Origin, std::less<>> m_origins;
  std::uint64_t m_clock = 0;
  std::uint64_t m_evicted = 0;
};

}  // namespace plexus::host
