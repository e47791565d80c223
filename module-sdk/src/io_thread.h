#pragma once

// IoThread: serves the module's connection (connection.h) whenever no run() loop does: between
// connect and run(), and after run() returns. It sends what other threads post (publish(),
// stats(), the Goodbye), heartbeats while idle, and sees a dropped connection at once through the
// monitor. run() parks it for as long as it reads the socket itself: a parked I/O thread sleeps
// on a condition variable and costs nothing on the event path.
// Thread rule: every method from any thread but the I/O thread itself; park() and unpark() in
// pairs, from the thread that then owns the connection (the run() thread).

#include <condition_variable>
#include <thread>

#include "connection.h"
#include "plexus/ipc/thread_annotations.h"

namespace plexus::sdk::detail {

class IoThread {
 public:
  // The calling thread owns `connection`, which must outlive this; the I/O thread takes it over.
  explicit IoThread(Connection& connection);
  ~IoThread();  // sends what is queued (Goodbye included), then stops the thread
  IoThread(const IoThread&) = delete;
  IoThread& operator=(const IoThread&) = delete;

  // Returns once the I/O thread gave the connection up; the caller owns it until unpark().
  void park();
  // The caller gives the connection back to the I/O thread.
  void unpark();

 private:
  enum class State { Serving, ParkRequested, Parked, Closing };
  void threadMain();

  Connection& m_connection;
  Mutex m_mutex;
  std::condition_variable m_changed;
  State m_state PLEXUS_GUARDED_BY(m_mutex) = State::Serving;
  std::thread m_thread;
};

}  // namespace plexus::sdk::detail
