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
};

Options parseOptions(int argc, char** argv);

// The non-empty items of `text` between separators.
std::vector<std::string> split(const std::string& text, char separator);

// Event type names; an unknown name becomes UNSPECIFIED on purpose (the node must refuse it).
std::vector<v1::EventType> parseTypes(const std::string& list, char separator);

}  // namespace plexus::hostile
