#pragma once

// UTF-8 as RFC 3629 defines it: no overlong forms, no surrogates, nothing above U+10FFFF.
// Protobuf string fields must hold it: a message with anything else fails to parse.

#include <cstddef>
#include <string>
#include <string_view>

namespace plexus::ipc {

// Length of the well-formed UTF-8 sequence starting at data[i] (1 for ASCII), or 0 when
// there is none.
std::size_t utf8SequenceLength(std::string_view data, std::size_t i);

bool isValidUtf8(std::string_view text);

// Keeps printable ASCII, tab and well-formed UTF-8; escapes every other byte as \xNN, so
// a log line or an error message shows what was there and stays valid UTF-8.
std::string escapeText(std::string_view raw);

}  // namespace plexus::ipc
