#pragma once

// PrometheusServer: Debian's real `prometheus` started by a test on a loopback port of its own,
// with a config scraping one target every 500 ms and its storage in a temporary directory;
// killed (and its directory removed) when the object goes, pass or fail. Never the package's
// service. available() says whether the binary is installed (tests skip without it).
// Thread rule: one thread.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "http_get.h"
#include "spawned_process.h"
#include "temp_dir.h"

namespace plexus::test {

class PrometheusServer {
 public:
  static std::filesystem::path binary();  // /usr/bin/prometheus, or empty when absent
  static bool available() { return !binary().empty(); }

  // Scrapes http://127.0.0.1:<targetPort>/metrics.
  explicit PrometheusServer(std::uint16_t targetPort);

  std::uint16_t port() const { return m_port; }
  // Waits until Prometheus runs and reports the target up (/api/v1/targets).
  bool waitTargetUp(std::chrono::milliseconds timeout);
  // GET /api/v1/query?query=<promql> (URL-encoded here): the JSON answer, "" when none.
  std::string query(const std::string& promql);
  std::filesystem::path logFile() const { return m_dir / "prometheus.log"; }

 private:
  TempDir m_dir{"pxprom"};
  std::uint16_t m_port;
  std::unique_ptr<SpawnedProcess> m_process;
};

}  // namespace plexus::test
