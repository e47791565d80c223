#pragma once

// The type checker: resolves a syntax tree's paths and literals against protobuf descriptors
// (docs/filters.md "Type rules") and builds the compiled tree (compiled_nodes.h). Every error
// carries the column of the token it is about.

#include <google/protobuf/descriptor.h>

#include <variant>

#include "filter/compiled_nodes.h"
#include "filter/filter.h"
#include "filter/parser.h"

namespace plexus::filter {

// Paths resolve in `payload`'s message type (a singular message field of `root`), or in `root`
// when payload is null; `source` resolves in root when the payload has no field of that name.
// Inside any(), a path starting with `it` resolves in the innermost element.
std::variant<NodePtr, FilterError> typeCheck(const Syntax& tree,
                                             const google::protobuf::Descriptor& root,
                                             const google::protobuf::FieldDescriptor* payload);

}  // namespace plexus::filter
