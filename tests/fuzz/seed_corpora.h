#pragma once

// The seed corpora plexus-fuzz-make-seeds writes (make_seeds.cpp), one function per concern.

#include <string>

#include "seed_messages.h"

namespace plexus::fuzz::seeds {

// envelope_batch_fuzz and sdk_decoder_fuzz: messages from the node, valid and refused
// (seed_node_messages.cpp).
void nodeMessages(Writer& out, const std::string& target);
// module_server_fuzz: scripts of three modules and the host (seed_module_scripts.cpp).
void moduleScripts(Writer& out);
// config_fuzz: the embedded and documented configs, every field, every refusal
// (seed_configs.cpp).
void configs(Writer& out);
// filter_fuzz: filters on the event types and the test proto, each language feature, and each
// refusal (seed_filters.cpp).
void filters(Writer& out);

}  // namespace plexus::fuzz::seeds
