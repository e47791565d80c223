#pragma once

// Typed reads of the plexus.v1 event messages' fields (proto/plexus/v1/events.proto) through
// their generated C++ accessors, for the compiled filters: one call through a function pointer
// instead of protobuf reflection, which costs about 15 ns a field on the reference machine
// (docs/filters.md "Evaluation cost"). A read is valid only on an instance of the generated
// class; the filter checks that its root is one before it uses them (then every message below
// is one too). Fields without an entry are read through reflection, correct but slower: add a
// field of events.proto to the table in event_accessors.cpp (event_accessors_test checks it).

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <cstdint>
#include <string>

namespace plexus::filter {

// At most one is set: the one of the field's C++ type's domain (compiled_nodes.h Constant).
struct FastRead {
  std::int64_t (*int64)(const google::protobuf::Message&) = nullptr;    // int32, int64, enum
  std::uint64_t (*uint64)(const google::protobuf::Message&) = nullptr;  // uint32, uint64
  double (*real)(const google::protobuf::Message&) = nullptr;           // float, double
  bool (*boolean)(const google::protobuf::Message&) = nullptr;
  const std::string& (*string)(const google::protobuf::Message&) = nullptr;  // string, bytes
  const google::protobuf::Message& (*message)(const google::protobuf::Message&) = nullptr;
};

// The generated accessor of a singular `field`, or all null when the table has none.
FastRead fastRead(const google::protobuf::FieldDescriptor& field);

}  // namespace plexus::filter
