#pragma once

// Protobuf wire encoding by hand, for bytes the generated code would refuse to produce
// (plexus-test-hostile's malformed messages).

#include <cstddef>
#include <cstdint>
#include <string>

#include "plexus/ipc/protocol.h"

namespace plexus::hostile {

void appendVarint(std::string& out, std::uint64_t value);
// A length-delimited field.
void appendField(std::string& out, int field, const std::string& bytes);
// An Envelope's protocol_major field, the start of every hand-made envelope.
std::string versionPrefix(std::uint32_t major = ipc::kProtocolMajor);
// 0xff is field 31 with wire type 7, which does not exist: never a valid message.
std::string garbage(std::size_t size);

}  // namespace plexus::hostile
