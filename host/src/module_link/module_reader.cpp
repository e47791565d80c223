#include "module_link/module_reader.h"

namespace plexus::host {

ModuleReader::ModuleReader(ModuleTransport& transport, Handler handler, std::size_t fairnessLimit)
    : m_transport(transport), m_handler(std::move(handler)), m_fairnessLimit(fairnessLimit) {}

bool ModuleReader::serveReady() {
  PLEXUS_ASSERT_THREAD(m_thread);
  for (std::size_t served = 0; served < m_fairnessLimit; ++served) {
    if (!m_transport.receive(m_received)) return false;
    m_handler(m_received);
  }
  return true;
}

}  // namespace plexus::host
