#pragma once

// The events plexus-bench publishes, of any type, and the send stamp they carry: the steady
// clock (CLOCK_MONOTONIC) in ns, taken by the publishing thread just before it publishes, in
// the payload's stamp field. The stamp field is the payload message's first bytes field (the
// stamp as 8 little-endian bytes, then padding up to the event size), else its first string
// field (the stamp as 20 decimal digits, then padding), else its first 64-bit integer field.
// E.g. MessageReceived: `payload`; NewBlock: `hash`.

#include <plexus/v1/events.pb.h>

#include <cstdint>
#include <optional>
#include <string>

namespace google::protobuf {
class FieldDescriptor;
}

namespace plexus::bench {

std::int64_t steadyNowNs();

// The field of `type`'s payload that carries the stamp; nullptr when it has none (or the type
// has no payload).
const google::protobuf::FieldDescriptor* stampField(v1::EventType type);

// An event of one type whose stamp field is rewritten before each publish.
class BenchEvent {
 public:
  // Throws std::invalid_argument when the type has no field for the stamp.
  BenchEvent(v1::EventType type, std::size_t size);

  const v1::Event& stamped(std::int64_t steadyNs);
  // Sets the payload's singular uint64 field `name` for the next events; false when there is
  // no such field.
  bool setUint64(const std::string& name, std::uint64_t value);

 private:
  v1::Event m_event;
  google::protobuf::Message* m_payload = nullptr;
  const google::protobuf::FieldDescriptor* m_field = nullptr;
  std::string m_text;
};

// Reads the stamp back from events of one type.
class StampReader {
 public:
  explicit StampReader(v1::EventType type);
  std::optional<std::int64_t> read(const v1::Event& event) const;

 private:
  v1::EventType m_type;
  const google::protobuf::FieldDescriptor* m_field = nullptr;
  const google::protobuf::FieldDescriptor* m_payloadField = nullptr;
};

}  // namespace plexus::bench
