// libFuzzer entry point of sdk_decoder_fuzz; the target itself is plexus::fuzz::sdkDecoder().

#include "fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return plexus::fuzz::sdkDecoder(data, size);
}
