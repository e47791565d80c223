// plexus-fuzz-make-seeds DIR: writes the seed corpora of the fuzz targets into DIR/corpus/<target>/
// (run it on tests/fuzz/ and commit the result). Seeds are meaningful messages and scripts, so the
// fuzzers start deep: complete handshake-subscribe-publish-ack sequences, block waits, restarts,
// unloads, the documented configs. Serialization is deterministic: re-running it rewrites the
// same bytes.

// The corpora: seed_node_messages.cpp, seed_module_scripts.cpp, seed_configs.cpp,
// seed_filters.cpp.

#include <iostream>

#include "seed_corpora.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: " << argv[0] << " DIR   (writes DIR/corpus/<target>/; DIR = tests/fuzz)\n";
    return 2;
  }
  try {
    plexus::fuzz::seeds::Writer out(argv[1]);
    plexus::fuzz::seeds::nodeMessages(out, "envelope_batch_fuzz");
    plexus::fuzz::seeds::nodeMessages(out, "sdk_decoder_fuzz");
    plexus::fuzz::seeds::moduleScripts(out);
    plexus::fuzz::seeds::configs(out);
    plexus::fuzz::seeds::filters(out);
    std::cout << "wrote " << out.count() << " seeds under " << argv[1] << "/corpus\n";
  } catch (const std::exception& e) {
    std::cerr << argv[0] << ": " << e.what() << "\n";
    return 1;
  }
  return 0;
}
