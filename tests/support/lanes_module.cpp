// plexus-test-lanes: a module for the priority lane (docs/design.md "Priority lane"), tested
// against the real node. Handles NewBlock, ChainReorg and the maintenance bracket, taking
// --handler-us per event, and records, as lines of a report, in the order its handlers ran:
//   protocol <M.N>                          the version the node answered with
//   event <Type> <n> lane=<critical|event|lifecycle> seq=<S> dropped_before=<D>
//                                           n: NewBlock height, ChainReorg fork_height, the
//                                           maintenance id of the bracket's events
//   exit <status>                           run() returned
// Options (module args):
//   --report FILE        where to write (required)
//   --handler-us N       how long each handler takes (sleeps), default 0
//   --protocol M.N       claim protocol version M.N in the handshake (default: the SDK's)

#include <plexus/sdk/module.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

#include "module_connect.h"
#include "plexus/ipc/event_types.h"
#include "plexus/ipc/protocol.h"
#include "report_file.h"

namespace {

using plexus::v1::Event;

std::uint64_t numberOf(const Event& e) {
  switch (e.payload_case()) {
    case Event::kNewBlock:
      return e.new_block().height();
    case Event::kChainReorg:
      return e.chain_reorg().fork_height();
    case Event::kMaintenanceStarted:
      return e.maintenance_started().maintenance_id();
    case Event::kDataMaintenance:
      return e.data_maintenance().maintenance_id();
    case Event::kMaintenanceCompleted:
      return e.maintenance_completed().maintenance_id();
    default:
      return 0;
  }
}

const char* laneName(plexus::v1::Lane lane) {
  switch (lane) {
    case plexus::v1::LANE_CRITICAL:
      return "critical";
    case plexus::v1::LANE_LIFECYCLE:
      return "lifecycle";
    default:
      return "event";
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string reportPath, protocol;
  long handlerUs = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string option = argv[i], value = argv[i + 1];
    if (option == "--report") {
      reportPath = value;
    } else if (option == "--protocol") {
      protocol = value;
    } else if (option == "--handler-us") {
      handlerUs = std::stol(value);
    } else {
      std::cerr << "plexus-test-lanes: unknown option " << option << "\n";
      return 64;
    }
  }
  if (reportPath.empty()) {
    std::cerr << "plexus-test-lanes: --report FILE is required\n";
    return 64;
  }
  plexus::test::ReportFile report(reportPath);
  try {
    plexus::sdk::Module module = plexus::sdk::Module::connect(
        plexus::test::connectOptionsFromNode({"lanes", "1.0"}, protocol));
    report.line("protocol " + std::to_string(plexus::ipc::kProtocolMajor) + "." +
                std::to_string(module.protocolMinor()));
    auto handler = [&report, handlerUs](const plexus::sdk::Delivery& delivery) {
      report.line("event " + plexus::ipc::displayName(delivery.event().type()) + " " +
                  std::to_string(numberOf(delivery.event())) + " lane=" +
                  laneName(delivery.lane()) + " seq=" + std::to_string(delivery.sequence()) +
                  " dropped_before=" + std::to_string(delivery.droppedBefore()));
      if (handlerUs > 0) std::this_thread::sleep_for(std::chrono::microseconds(handlerUs));
    };
    for (auto type :
         {plexus::v1::EVENT_TYPE_NEW_BLOCK, plexus::v1::EVENT_TYPE_CHAIN_REORG,
          plexus::v1::EVENT_TYPE_MAINTENANCE_STARTED, plexus::v1::EVENT_TYPE_DATA_MAINTENANCE,
          plexus::v1::EVENT_TYPE_MAINTENANCE_COMPLETED}) {
      module.on(type, handler);
    }
    const int status = module.run();
    report.line("exit " + std::to_string(status));
    return status;
  } catch (const plexus::sdk::ConnectError& e) {
    report.line(std::string("connect-error ") + e.what());
    return 3;
  }
}
