#pragma once

// The checks every configuration passes before the node uses it, whether it came from a file
// (errors then name the line and column) or from `plexusctl load` (errors name the field):
// - every numeric field within its documented range (fieldRanges(); 0 = "the default" where the
//   field has one), so that no deadline computed from a setting can overflow;
// - the relations between timings (a module is never judged dead before it could have missed
//   its heartbeats; the first restart delay is not above the cap);
// - every string field valid UTF-8 (the wire's string fields must stay parseable).
// Thread rule: pure functions.

#include <google/protobuf/message.h>
#include <google/protobuf/text_format.h>
#include <plexus/v1/config.pb.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "plexus/ipc/result.h"

namespace plexus::host {

struct FieldRange {
  std::string_view field;      // "Timings.dead_timeout_ms": message name, field name
  std::uint64_t min;           // inclusive; 0 itself is always allowed when zeroMeans is set
  std::uint64_t max;           // inclusive
  std::string_view zeroMeans;  // "default 10000", "off", "unlimited"; empty: 0 is out of range
};

// Every numeric field of the configuration messages, with its valid range.
const std::vector<FieldRange>& fieldRanges();

// Where a field was written, for error messages; the no-file form names only the field.
class FieldLocator {
 public:
  FieldLocator() = default;
  FieldLocator(std::string source, const google::protobuf::TextFormat::ParseInfoTree* tree)
      : m_source(std::move(source)), m_tree(tree) {}
  const std::string& source() const { return m_source; }
  const google::protobuf::TextFormat::ParseInfoTree* tree() const { return m_tree; }

 private:
  std::string m_source;
  const google::protobuf::TextFormat::ParseInfoTree* m_tree = nullptr;
};

// Ranges and UTF-8 of every field set in `message` (NodeConfig or ModuleConfig, recursively).
Status checkFields(const google::protobuf::Message& message, const FieldLocator& where = {});
// The relations between the timings of `config` with its defaults applied (withDefaults()).
Status checkTimingRelations(const v1::NodeConfig& config, const FieldLocator& where = {});

}  // namespace plexus::host
