#pragma once

// plexus-test-hostile's command line (the options are listed in hostile_module.cpp) and the
// list parsing its script needs.

#include <plexus/v1/events.pb.h>

#include <cstdint>
#include <string>
#include <vector>

namespace plexus::hostile {

struct Options {
  std::string report;
  std::string types;
  std::string script;
  std::uint64_t onlyIncarnation = 0;
  bool writeToken = false;
  std::string waitFile;
  bool stayOnDisconnect = false;
  // A remote module (not spawned by the node): where, as whom, and how it authenticates.
  std::string endpoint;       // tcp://...; set: the id and the key come from the options below
  std::string moduleId;       // the id it is configured as
  std::string claimId;        // the module_id its Handshake names (default moduleId)
  std::string mechanism;      // curve (default), plain or null
  std::string serverKey;      // the node's Z85 public key
  std::string secretKeyFile;  // its own secret key file (the public key is derived)
};

Options parseOptions(int argc, char** argv);

// The non-empty items of `text` between separators.
std::vector<std::string> split(const std::string& text, char separator);

// Event type names; an unknown name becomes UNSPECIFIED on purpose (the node must refuse it).
std::vector<v1::EventType> parseTypes(const std::string& list, char separator);

}  // namespace plexus::hostile
