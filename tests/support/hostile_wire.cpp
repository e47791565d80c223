// Hand-made protobuf bytes (hostile_wire.h).

#include "hostile_wire.h"

namespace plexus::hostile {

void appendVarint(std::string& out, std::uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

void appendField(std::string& out, int field, const std::string& bytes) {
  appendVarint(out, static_cast<std::uint64_t>(field) << 3 | 2);  // length-delimited
  appendVarint(out, bytes.size());
  out += bytes;
}

std::string versionPrefix(std::uint32_t major) {
  std::string out;
  appendVarint(out, 1 << 3);  // protocol_major, varint
  appendVarint(out, major);
  return out;
}

std::string garbage(std::size_t size) {
  return std::string(size, '\xff');
}

}  // namespace plexus::hostile
