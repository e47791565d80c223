// Compiled into every test executable (plexus_add_test): before main(), the process gets a
// state home of its own (XDG_STATE_HOME in a fresh TempDir, STATE_DIRECTORY unset), so that every
// plexus-node a test starts without a journal.path - in process, or as a child, which inherits the
// environment - journals there and never in the user's ~/.local/state, and tests running side by
// side never share (or fight over the lock of) one journal. If the directory cannot be made, the
// TempDir throws and the process ends before main(). The TempDir removes the directory when the
// process exits.
//
// Initialisation order: the TempDir depends on no other static object, and setting the
// environment below follows it in this file, so it runs after the TempDir is made.

#include <stdlib.h>

#include "temp_dir.h"

namespace {

const plexus::test::TempDir stateHome("plexus-state-");

[[maybe_unused]] const bool stateHomeSet = [] {
  ::setenv("XDG_STATE_HOME", stateHome.path().c_str(), 1);
  ::unsetenv("STATE_DIRECTORY");
  return true;
}();

}  // namespace
