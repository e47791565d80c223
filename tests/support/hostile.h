#pragma once

// Hostile: plexus-test-hostile's connection to the node (raw cppzmq, not the SDK) and the
// script it plays on it. What it does and reports is described in hostile_module.cpp.
// hostile.cpp connects and sends, hostile_receive.cpp handles what the node sends (and acts
// like a live module meanwhile), hostile_script.cpp performs the scripted actions.
// Thread rule: one thread.

#include <plexus/v1/wire.pb.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "hostile_options.h"
#include "plexus/ipc/socket_monitor.h"

namespace plexus::hostile {

using Clock = std::chrono::steady_clock;

// The report file: one line per thing that happened.
class Report {
 public:
  explicit Report(const std::string& path) : m_out(path, std::ios::app) {}
  void line(const std::string& text) {
    m_out << text << "\n";
    m_out.flush();
  }

 private:
  std::ofstream m_out;
};

class Hostile {
 public:
  Hostile(Options options, Report& report);

  // Connects, plays the script, then behaves until the node lets it go. The exit status.
  int run();

 private:
  int runRemote();
  int play(const std::string& endpoint);  // connects, then the script
  int finish(int status);
  bool waitForFile(const std::string& path);
  bool awaitZmqHandshake();
  void recordMonitor(const ipc::MonitorEvent& event);

  // Sending (hostile.cpp).
  bool sendFrames(std::vector<zmq::message_t>& frames);
  bool sendBytes(const std::string& bytes);
  bool send(const v1::Envelope& envelope);
  static v1::Envelope stamped();
  v1::Envelope request();
  v1::Envelope publishOf(v1::EventType type);
  v1::Envelope subscribeTo(const std::vector<v1::EventType>& types);
  v1::Envelope handshake();

  // The script (hostile_script.cpp).
  void perform(const std::string& action);

  // Receiving (hostile_receive.cpp).
  // Handles what arrives within `timeout` (everything already there at least), heartbeats when
  // idle, and watches the socket monitor for a lost connection.
  void pump(std::chrono::milliseconds timeout);
  void receive(std::vector<zmq::message_t>& frames);
  void receiveBatch(const v1::EventBatch& header, std::vector<zmq::message_t>& frames);
  void leave(const std::string& reason);

  Options m_options;
  Report& m_report;
  zmq::context_t m_context;
  zmq::socket_t m_socket;
  std::optional<ipc::SocketMonitor> m_monitor;
  std::string m_id;
  bool m_handshaken = false;
  bool m_disconnected = false;
  std::uint64_t m_incarnation = 0;
  std::chrono::milliseconds m_heartbeat{1000};
  Clock::time_point m_lastSent = Clock::now();
  std::uint64_t m_replies = 0;
  std::uint64_t m_nextCorrelation = 1;
  std::uint64_t m_lastEventSeq = 0;
  std::map<v1::EventType, std::uint64_t> m_seen;  // events received, by type
  std::optional<int> m_exit;
};

}  // namespace plexus::hostile
