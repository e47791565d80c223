// libFuzzer entry point of config_fuzz; the target itself is plexus::fuzz::config().

#include "fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return plexus::fuzz::config(data, size);
}
