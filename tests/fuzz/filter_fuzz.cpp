// libFuzzer entry point of filter_fuzz; the target itself is plexus::fuzz::filter().

#include "fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return plexus::fuzz::filter(data, size);
}
