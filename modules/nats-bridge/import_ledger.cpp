#include "import_ledger.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace plexus::bridge {

namespace {
std::runtime_error failure(const std::string& what, const std::filesystem::path& path) {
  return std::runtime_error(what + " '" + path.string() + "': " + std::strerror(errno));
}

bool writeAll(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}
}  // namespace

ImportLedger::ImportLedger(const std::filesystem::path& stateDir, const std::string& originNode)
    : m_path(stateDir / ("imported-" + originNode)) {
  std::error_code ec;
  std::filesystem::create_directories(stateDir, ec);
  if (ec) {
    throw std::runtime_error("cannot create state_dir '" + stateDir.string() +
                             "': " + ec.message());
  }
  {
    std::ifstream in(m_path);
    std::string line;
    while (std::getline(in, line)) {
      // A line is complete only with its newline: getline at EOF without one is a cut line.
      if (in.eof() || line.empty() || line.find_first_not_of("0123456789") != std::string::npos) {
        continue;
      }
      insert(std::stoull(line));
    }
  }
  std::string compacted;
  for (std::uint64_t offset : m_recent)
    compacted += std::to_string(offset) + "\n";
  const std::filesystem::path temporary = m_path.string() + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw failure("cannot write", temporary);
  const bool written = writeAll(fd, compacted) && ::fsync(fd) == 0;
  ::close(fd);
  if (!written || ::rename(temporary.c_str(), m_path.c_str()) != 0) {
    throw failure("cannot write", m_path);
  }
  m_fd = ::open(m_path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (m_fd < 0) throw failure("cannot open", m_path);
}

ImportLedger::~ImportLedger() {
  if (m_fd >= 0) ::close(m_fd);
}

void ImportLedger::record(std::uint64_t offset) {
  if (!writeAll(m_fd, std::to_string(offset) + "\n")) throw failure("cannot append to", m_path);
  insert(offset);
}

void ImportLedger::insert(std::uint64_t offset) {
  m_recent.insert(offset);
  if (m_recent.size() > kWindow) {
    m_floor = std::max(m_floor, *m_recent.begin());
    m_recent.erase(m_recent.begin());
  }
}

}  // namespace plexus::bridge
