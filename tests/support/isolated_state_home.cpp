// Compiled into every test executable (plexus_add_test): before main(), the process gets a
// state home of its own (XDG_STATE_HOME in a fresh temporary directory, STATE_DIRECTORY unset),
// so that every plexus-node a test starts without a journal.path - in process, or as a child,
// which inherits the environment - journals there and never in the user's ~/.local/state, and
// tests running side by side never share (or fight over the lock of) one journal. The directory
// is removed when the process exits.

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <system_error>

namespace {

struct IsolatedStateHome {
  IsolatedStateHome() {
    std::string pattern = (std::filesystem::temp_directory_path() / "plexus-state-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) return;  // the node's default then applies
    m_path = pattern;
    ::setenv("XDG_STATE_HOME", m_path.c_str(), 1);
    ::unsetenv("STATE_DIRECTORY");
  }
  ~IsolatedStateHome() {
    std::error_code ignored;
    if (!m_path.empty()) std::filesystem::remove_all(m_path, ignored);
  }
  std::filesystem::path m_path;
};

const IsolatedStateHome isolatedStateHome;

}  // namespace
