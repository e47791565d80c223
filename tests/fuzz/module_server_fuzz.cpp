// libFuzzer entry point of module_server_fuzz; the target itself is plexus::fuzz::moduleServer().

#include "fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return plexus::fuzz::moduleServer(data, size);
}
