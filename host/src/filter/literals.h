#pragma once

// The type rules for literals (docs/filters.md): a literal converted to the domain of the field
// it is compared with, or the error at the literal's column.

#include <google/protobuf/descriptor.h>

#include <string>
#include <string_view>
#include <variant>

#include "filter/compiled_nodes.h"
#include "filter/filter.h"
#include "filter/parser.h"

namespace plexus::filter {

// A field's type as errors name it: "uint64", "bytes", "enum plexus.v1.Urgency",
// "message plexus.v1.NewBlock".
std::string typeName(const google::protobuf::FieldDescriptor& field);

// `literal` as a value of `field`'s domain (compiled_nodes.h Constant). `path` is the field's
// path as written, for the messages. Enum fields take a value name, in full (URGENCY_HIGH) or
// without the enum's prefix (HIGH); float fields round the literal to float.
std::variant<Constant, FilterError> convertLiteral(const LiteralSyntax& literal,
                                                   const google::protobuf::FieldDescriptor& field,
                                                   std::string_view path);

}  // namespace plexus::filter
