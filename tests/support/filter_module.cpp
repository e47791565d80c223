// plexus-test-filter: a module for content filters (docs/filters.md), tested against the real
// node. Subscribes through Module::on(type, handler, filter) and records, as lines of a report:
//   protocol <M.N>                          the version the node answered with
//   event <Type> <detail> seq=<S> dropped_before=<D>
//                                           an event reached its handler; detail: NewBlock
//                                           height, NewTransaction fee, PeerBanned peer_id
//   exit <status>                           run() returned
// Refused subscriptions are what the SDK says of them on stderr (the node logs it).
// Options (module args):
//   --report FILE            where to write (required)
//   --on TYPE[=FILTER]       a handler of TYPE (display or enum name), with FILTER (repeatable)
//   --protocol M.N           claim protocol version M.N in the handshake (default: the SDK's)

#include <plexus/sdk/module.h>

#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "module_connect.h"
#include "plexus/ipc/event_types.h"
#include "plexus/ipc/protocol.h"
#include "report_file.h"

namespace {

std::string detailOf(const plexus::v1::Event& e) {
  using E = plexus::v1::Event;
  switch (e.payload_case()) {
    case E::kNewBlock:
      return std::to_string(e.new_block().height());
    case E::kNewTransaction:
      return std::to_string(e.new_transaction().fee());
    case E::kPeerBanned:
      return e.peer_banned().peer_id();
    default:
      return "-";
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string reportPath, protocol;
  struct Handler {
    plexus::v1::EventType type;
    std::string filter;
  };
  std::vector<Handler> handlers;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string option = argv[i], value = argv[i + 1];
    if (option == "--report") {
      reportPath = value;
    } else if (option == "--protocol") {
      protocol = value;
    } else if (option == "--on") {
      const auto eq = value.find('=');
      const auto type = plexus::ipc::parseEventType(value.substr(0, eq));
      if (!type) {
        std::cerr << "plexus-test-filter: unknown event type in --on " << value << "\n";
        return 64;
      }
      handlers.push_back({*type, eq == std::string::npos ? "" : value.substr(eq + 1)});
    } else {
      std::cerr << "plexus-test-filter: unknown option " << option << "\n";
      return 64;
    }
  }
  if (reportPath.empty()) {
    std::cerr << "plexus-test-filter: --report FILE is required\n";
    return 64;
  }
  plexus::test::ReportFile report(reportPath);
  try {
    plexus::sdk::Module module = plexus::sdk::Module::connect(
        plexus::test::connectOptionsFromNode({"filter", "1.0"}, protocol));
    report.line("protocol " + std::to_string(plexus::ipc::kProtocolMajor) + "." +
                std::to_string(module.protocolMinor()));
    for (const Handler& handler : handlers) {
      module.on(
          handler.type,
          [&report](const plexus::sdk::Delivery& delivery) {
            report.line("event " + plexus::ipc::displayName(delivery.event().type()) + " " +
                        detailOf(delivery.event()) + " seq=" + std::to_string(delivery.sequence()) +
                        " dropped_before=" + std::to_string(delivery.droppedBefore()));
          },
          handler.filter);
    }
    const int status = module.run();
    report.line("exit " + std::to_string(status));
    return status;
  } catch (const plexus::sdk::ConnectError& e) {
    report.line(std::string("connect-error ") + e.what());
    return 3;
  }
}
