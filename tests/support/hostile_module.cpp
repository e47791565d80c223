// plexus-test-hostile: a module for integration tests that speaks the wire protocol by hand
// (raw cppzmq, not the SDK) so that it can misbehave on purpose. Between its misdeeds it acts
// like a live module: it heartbeats when idle, acks what it is delivered and leaves on
// NodeShutdown or Goodbye, so the node never kills it as hung during a test.
//
// Everything it receives is one line of its report:
//   token <hex>                                  (--write-token, before connecting)
//   monitor <event name> <value>                 ZeroMQ socket monitor events
//   handshake-ack <incarnation> <capacity> <heartbeat_ms>
//   subscribe-ack <Type,Type|->
//   error <ERROR_CODE_...> <correlation_id> <message>
//   response <correlation_id> publish <subscribers> <dropped>
//   response <correlation_id> stats <routed> <decode_errors> <rejected>
//   event <E|L> <seq> <dropped_before> <Type> <source> <detail>   (as the probe writes it)
//   goodbye <reason>
//   action <name> / done <name> / timeout <name>  around each scripted action
//   script-done, disconnected, exit <status>; other <body number> for anything else (the
//   node's Heartbeat to a silent module)
// Options (module args):
//   --report FILE           where to write (required)
//   --types A,B             what `subscribe` asks for (default: nothing, an empty Subscribe)
//   --do A,B,...            the script (below); without `hello` it starts with hello,subscribe
//   --only-incarnation N    a later incarnation runs hello,subscribe only (behaves after restart)
//   --write-token           report the token before connecting (a test steals it)
//   --wait-file PATH        connect only once PATH exists
//   --on-disconnect MODE    exit (default: exit 2 as the SDK does) | stay (go silent, keep running)
// A remote module (started by the test, not the node; docs/design.md "Remote modules"):
//   --endpoint tcp://...    connect there instead of PLEXUS_ENDPOINT, with no token
//   --module-id ID          its id; --claim-id ID: the id its Handshake names (a stolen id)
//   --mechanism M           curve (default) | plain | null (refused by the node)
//   --server-key Z85 --secret-key-file PATH   its CURVE keys
// Actions; each waits for the replies it must get (every message before the handshake gets one):
//   hello, hello-again, subscribe, subscribe:A+B, request-stats, publish:TYPE, heartbeat, ack:N,
//   ack-beyond, garbage[:N], big-garbage:BYTES, empty, unknown-body, bad-body, nested-garbage,
//   empty-request, frames:K, mismatch, unspecified, major-mid-session, bad-utf8[:N], flood:N,
//   huge:BYTES (no reply: the node's ZeroMQ drops the connection), wait-event:TYPE[:N]
//
// The code: hostile_options.cpp (this command line), hostile.cpp (connecting, sending),
// hostile_script.cpp (the actions), hostile_receive.cpp (what the node sends),
// hostile_wire.cpp (bytes encoded by hand).

#include <iostream>

#include "hostile.h"
#include "hostile_options.h"

int main(int argc, char** argv) {
  plexus::hostile::Options options = plexus::hostile::parseOptions(argc, argv);
  if (options.report.empty()) {
    std::cerr << "plexus-test-hostile: --report FILE is required\n";
    return 64;
  }
  plexus::hostile::Report report(options.report);
  return plexus::hostile::Hostile(std::move(options), report).run();
}
