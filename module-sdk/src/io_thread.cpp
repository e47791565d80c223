#include "io_thread.h"

#include <pthread.h>

namespace plexus::sdk::detail {

IoThread::IoThread(Connection& connection) : m_connection(connection) {
  m_connection.handOver();
  m_thread = std::thread([this] {
    ::pthread_setname_np(::pthread_self(), "plexus-sdk-io");
    threadMain();
  });
}

IoThread::~IoThread() {
  {
    MutexLock lock(m_mutex);
    m_state = State::Closing;
  }
  m_changed.notify_all();
  m_connection.wake();
  m_thread.join();
}

void IoThread::park() {
  {
    MutexLock lock(m_mutex);
    m_state = State::ParkRequested;
  }
  m_connection.wake();
  MutexLock lock(m_mutex);
  lock.wait(m_changed, [&]() PLEXUS_REQUIRES(m_mutex) { return m_state == State::Parked; });
  m_connection.takeOver();
}

void IoThread::unpark() {
  m_connection.handOver();
  {
    MutexLock lock(m_mutex);
    m_state = State::Serving;
  }
  m_changed.notify_all();
}

void IoThread::threadMain() {
  m_connection.takeOver();
  for (;;) {
    {
      MutexLock lock(m_mutex);
      if (m_state == State::ParkRequested) {
        m_connection.handOver();
        m_state = State::Parked;
        m_changed.notify_all();
        lock.wait(m_changed, [&]() PLEXUS_REQUIRES(m_mutex) { return m_state != State::Parked; });
        m_connection.takeOver();
      }
      if (m_state == State::Closing) break;
    }
    // Up to a heartbeat interval; a post() or wake() from another thread ends the wait.
    m_connection.serve(std::chrono::milliseconds(60000));
  }
  // Closing: what is queued (the Goodbye and the last acks) still goes out; LINGER bounds it.
  m_connection.flushAtClose();
}

}  // namespace plexus::sdk::detail
