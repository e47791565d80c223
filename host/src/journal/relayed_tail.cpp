#include "journal/relayed_tail.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>
#include <plexus/v1/events.pb.h>

namespace plexus::host {

bool relayedOriginOf(std::string_view body, RelayedOrigin& out) {
  using google::protobuf::internal::WireFormatLite;
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const std::uint8_t*>(body.data()),
                                            static_cast<int>(body.size()));
  constexpr int kOrigin = v1::Event::kOriginFieldNumber;
  while (const std::uint32_t tag = in.ReadTag()) {
    const int field = WireFormatLite::GetTagFieldNumber(tag);
    if (field > kOrigin) return false;  // serialized in field order: no origin
    if (field == kOrigin) {
      std::uint32_t length = 0;
      std::string bytes;
      v1::Origin origin;
      if (WireFormatLite::GetTagWireType(tag) != WireFormatLite::WIRETYPE_LENGTH_DELIMITED ||
          !in.ReadVarint32(&length) || !in.ReadString(&bytes, static_cast<int>(length)) ||
          !origin.ParseFromString(bytes) || origin.offset() == 0) {
        return false;
      }
      out.node = origin.node();
      out.offset = origin.offset();
      return true;
    }
    if (!WireFormatLite::SkipField(&in, tag)) return false;
  }
  return false;
}

Result<std::vector<RelayedOrigin>> scanRelayedTail(JournalStore& store, std::uint64_t offsets,
                                                   std::size_t page) {
  std::vector<RelayedOrigin> out;
  const std::uint64_t last = store.lastOffset();
  if (last == 0 || offsets == 0) return out;
  std::uint64_t from = last >= offsets ? last - offsets + 1 : 1;
  while (from <= last) {
    auto events = store.read(from, last, page);
    if (!events) return events.error();
    if (events->empty()) break;
    for (const JournalEvent& event : *events) {
      RelayedOrigin origin;
      if (relayedOriginOf(event.body, origin)) out.push_back(std::move(origin));
    }
    from = events->back().offset + 1;
  }
  return out;
}

}  // namespace plexus::host
