// libFuzzer entry point of envelope_batch_fuzz; the target itself is plexus::fuzz::envelopeBatch().

#include "fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return plexus::fuzz::envelopeBatch(data, size);
}
