#pragma once

// ReportFile: the report file of a test module (plexus-test-probe, plexus-test-reentrant): lines
// appended and flushed one at a time, so the test reading it sees each whole line as soon as it
// is written.
// Thread rule: line() from any thread (the handler thread, a publisher, a spammer).

#include <fstream>
#include <string>

#include "plexus/ipc/thread_annotations.h"

namespace plexus::test {

class ReportFile {
 public:
  explicit ReportFile(const std::string& path) : m_out(path, std::ios::app) {}
  void line(const std::string& text) {
    MutexLock lock(m_mutex);
    m_out << text << "\n";
    m_out.flush();
  }

 private:
  Mutex m_mutex;
  std::ofstream m_out PLEXUS_GUARDED_BY(m_mutex);
};

}  // namespace plexus::test
