#include "prometheus_server.h"

#include <cctype>
#include <cstdio>
#include <fstream>

#include "test_node.h"

namespace plexus::test {

namespace {

std::string urlEncode(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) != 0 || c == '_' || c == '-' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      out += hex;
    }
  }
  return out;
}

}  // namespace

std::filesystem::path PrometheusServer::binary() {
  const std::filesystem::path path = "/usr/bin/prometheus";
  return std::filesystem::exists(path) ? path : std::filesystem::path();
}

PrometheusServer::PrometheusServer(std::uint16_t targetPort) : m_port(freeLoopbackPort()) {
  const auto config = m_dir / "prometheus.yml";
  std::ofstream(config) << "global:\n"
                        << "  scrape_interval: 500ms\n"
                        << "  scrape_timeout: 400ms\n"
                        << "scrape_configs:\n"
                        << "  - job_name: plexus\n"
                        << "    static_configs:\n"
                        << "      - targets: ['127.0.0.1:" << targetPort << "']\n";
  // exec: the SIGKILL of SpawnedProcess reaches prometheus itself.
  m_process = std::make_unique<SpawnedProcess>(std::vector<std::string>{
      "/bin/sh", "-c",
      "exec " + binary().string() + " --config.file=" + config.string() + " --storage.tsdb.path=" +
          (m_dir / "data").string() + " --web.listen-address=127.0.0.1:" + std::to_string(m_port) +
          " >" + logFile().string() + " 2>&1"});
}

bool PrometheusServer::waitTargetUp(std::chrono::milliseconds timeout) {
  return waitFor(
      [&] {
        const HttpReply reply = httpGet(m_port, "/api/v1/targets?state=active");
        return reply.status == 200 && reply.body.find("\"health\":\"up\"") != std::string::npos;
      },
      timeout, std::chrono::milliseconds(100));
}

std::string PrometheusServer::query(const std::string& promql) {
  const HttpReply reply = httpGet(m_port, "/api/v1/query?query=" + urlEncode(promql));
  return reply.status == 200 ? reply.body : std::string();
}

}  // namespace plexus::test
