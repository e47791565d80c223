#include "plexus/ctl/help.h"

#include <algorithm>
#include <array>

#include "plexus/ipc/event_types.h"

namespace plexus::ctl {

namespace {

constexpr std::array<std::string_view, 15> kCommands = {
    "status", "modules", "stats",  "subscribers", "journal", "cursors", "publish", "load",
    "unload", "reload",  "forget", "maintenance", "tail",    "keygen",  "help"};

constexpr std::string_view kGeneral =
    R"~(usage: plexusctl [--runtime-dir DIR] [--timeout MS] [--json] <command> [args]

Operator client of a running plexus-node: asks it questions and gives it orders over
ipc://<runtime dir>/control.sock.

Commands:
  status                    node version, pid, uptime, module counts, events published
  modules                   every module: state, pid, restarts, uptime, capacity, policy,
                            health, last exit
  stats [MODULE] [--reset]  delivery statistics of one module or of all
  subscribers EVENT_TYPE    the modules subscribed to an event type
  journal                   the node's journal: directory, journaled types, offsets,
                            counters, whether it is writing
  journal read --from OFFSET | --since TIME [--type TYPE]... [--count N]
                            the journaled events, one JSON object per line
  cursors [--delete MODULE] each durable module's cursor and its lag in events and time;
                            --delete forgets a removed module's cursor
  publish EVENT_TYPE [--payload JSON] [--count N]
                            publish an event as "operator"
  load NAME [--exec PATH] [--arg A]... [--capacity N] [--policy drop|block]
       [--restart never|on_failure|always] [--setting K=V]... [--subscribe TYPE]...
       [--publish TYPE]... [--durable]
                            start a configured module, or hot-load a new one (--exec)
  unload MODULE             stop a module and wait until it exited
  reload MODULE             restart a module and wait until it is ready again
  forget MODULE             remove a stopped or failed module and all the node keeps of it
  maintenance flush|cleanup [--urgency low|medium|high] [--reason TEXT] [--timeout-ms MS]
                            start a DataMaintenance round
  tail [--type TYPE]... [--count N] [--filter EXPR]
                            print the live event stream, one JSON object per line
  keygen NAME [--dir DIR]   write a CURVE key pair NAME.key (0600) and NAME.pub, print the
                            public key (no node needed)
  help [COMMAND]            this text, or the details of one command

Global options (before or after the command):
  --runtime-dir DIR  the node's runtime directory (default: $XDG_RUNTIME_DIR/plexus,
                     else /tmp/plexus-$UID)
  --timeout MS       how long to wait for each answer, in milliseconds (default 5000;
                     load, unload and reload wait 30000 unless --timeout is given)
  --json             print the response as one line of protobuf JSON: proto field names,
                     every field present (zeros too), 64-bit integers as strings, enums
                     by name (tail always prints JSON lines)
  -h, --help         this help; `plexusctl COMMAND --help` for one command
  --version          print plexusctl's version

Options take their value as the next argument or after '=' (--timeout=2000).
Event types are written as in the docs (NewBlock); EVENT_TYPE_NEW_BLOCK and new_block
are accepted too.

Exit status:
  0  success
  1  the node answered with an error (publish: also when a block-policy subscriber did
     not take an event: stopping, gone, restarting or timed out)
  2  usage error: unknown command or option, missing or bad argument, unknown event
     type, invalid JSON
  3  the node is not reachable: no control socket, or no answer within --timeout
)~";

constexpr std::string_view kStatus = R"~(usage: plexusctl [global options] status

Shows the node: version, protocol version, pid, uptime, runtime directory, the number of
modules (total, ready, failed) and the number of events published since it started; on a node
that takes relayed events (a NATS bridge), also how many came again with an origin offset it
had taken already and were not routed again (relayed duplicates), when there were any.
With --json: the StatusResponse.
)~";

constexpr std::string_view kModules = R"~(usage: plexusctl [global options] modules

Lists every module the node knows, one row each:
  MODULE     module id
  STATE      starting, handshaking, ready, stopping, stopped, crashed or failed;
             disconnected: a remote module (never spawned) that is not connected;
             unloaded: a remote module unloaded by the operator (refused until load)
  PID        process id of the running incarnation ("-" when not running); for a
             connected remote module its peer address (e.g. 127.0.0.1)
  RESTARTS   restarts so far
  UPTIME     since the running incarnation became ready
  CAPACITY   event-lane slots
  POLICY     drop or block: what a full channel does
  HEALTH     healthy or unhealthy, with the reason
  LAST-EXIT  how the previous incarnation ended ("exit 0", "signal 9 (Killed)")
With --json: the ModulesResponse.
)~";

constexpr std::string_view kStats = R"~(usage: plexusctl [global options] stats [MODULE] [--reset]

Delivery statistics of the event lane, of MODULE or of every module. Counters survive
restarts of a module; QUEUED, IN_FLIGHT and MAX_HELD are live gauges.
  ROUTED     = SUCCESSFUL + CHANNEL_FULL + FAILED
  SUCCESSFUL = ACKED + QUEUED + IN_FLIGHT + LOST

  --reset    zero the counters; the values shown are those after the reset (events still
             held stay counted as routed and successful)
With --json: the StatsResponse (64-bit counters as JSON strings).
)~";

constexpr std::string_view kSubscribers =
    R"~(usage: plexusctl [global options] subscribers EVENT_TYPE

Lists the modules subscribed to EVENT_TYPE. A module that is stopping (unloaded, reloaded,
or it said Goodbye itself) stays listed until it exited, marked "(stopping: events to it
fail)": events routed to it meanwhile count as failed.
With --json: the SubscribersResponse (stopping_module_ids lists those).
)~";

constexpr std::string_view kJournal = R"~(usage: plexusctl [global options] journal
       plexusctl [global options] journal read --from OFFSET | --since TIME [--type TYPE]...
                 [--count N]

Shows the node's event journal:
  directory   where it lives (journal.sqlite)
  sync        normal (commit per group) or full (fsync per group)
  types       the event types it journals
  offsets     the next offset to hand out, reserved through, committed through (every
              offset up to it is stored, as an event or a hole)
  events      since the node started: journaled (queued for writing with an offset),
              overflow (recorded as holes: the write queue was full), unjournaled
              (delivered without an offset), queued (waiting for the journal thread now)
  writes      group commits, failures (failed commits and trims), failed offsets (recorded
              as holes), events trimmed by retention
  state       writing, or failing with the last error
  crash hole  offsets the previous run reserved and never wrote (only when there are)
A node that journals no type prints "journal: disabled (no type is journaled)".
With --json: the JournalResponse (when disabled: enabled false, every other field empty).

journal read prints the journaled events in journal order, one JSON object per line:
  {"offset":"7","time":"2026-12-04T10:00:00.250Z","type":"NewBlock","event":{...}}
(time: when it was published, UTC; event: as tail prints it), a line per hole among them
  {"hole":{"first":"5","last":"6","reason":"crash|write_failed|overflow"}}
and first {"trimmed_before":"N"} when retention removed events the read asked for: the
journal now begins at offset N (it never starts later silently).
  --from OFFSET    start at this offset (>= 1)
  --since TIME     start at the first event published at or after TIME: RFC 3339
                   (2026-12-04T10:00:00Z) or a duration ago (90s, 10m, 2h, 1d)
  --type TYPE      only events of this type (repeatable; holes are always printed)
  --count N        stop after N events (default 100); 0: every event up to the journal's
                   head when the read began
plexusctl asks for at most 10000 events per request and continues where the last answer
ended. A node without a journal answers with an error.
)~";

constexpr std::string_view kCursors =
    R"~(usage: plexusctl [global options] cursors [--delete MODULE]

Shows each durable module's cursor in the node's journal, by module:
  MODULE      the module id (a module whose cursor is kept: it started once as durable)
  CURSOR      the module acked every event up to this offset
  DELIVERED   the highest offset sent to it (a next start gets those above CURSOR again,
              flagged redelivered)
  LAG-EVENTS  the journal's last offset minus CURSOR: how many offsets it is behind
  LAG-TIME    how long the cursor has not moved while behind ("-" when it is not behind)
Without any cursor it prints "no cursors (journal at offset N)".
  --delete MODULE  forget MODULE's cursor: its next start as a durable module is a first
                   start (from the journal's head, or as its configuration says). Refused
                   while the module runs or a restart of it is on its way (unload it first);
                   fails when it has no cursor. Prints "cursor of module MODULE deleted".
A node without a journal answers with an error.
With --json: the CursorsResponse (lag_ms is 0 when lag_events is 0; after a delete,
`deleted` names the module and `cursors` is empty).
)~";

constexpr std::string_view kKeygen = R"~(usage: plexusctl keygen NAME [--dir DIR]

Generates a CURVE (Curve25519) key pair for remote modules and the node's remote endpoint,
and writes it in ZeroMQ's text form, one line holding the 40-character Z85 key:
  DIR/NAME.key  the secret key, mode 0600 (created so, never readable by others)
  DIR/NAME.pub  the public key, mode 0644
Prints the public key (the value of a remote module's public_key). Refuses to overwrite
either file; NAME is 1 to 64 of A-Z a-z 0-9 . _ - (not starting with '.').
  --dir DIR  where to write the files (default: the current directory)
Needs no running node. Exit 1 when the files cannot be written or libzmq lacks CURVE.
)~";

constexpr std::string_view kPublish =
    R"~(usage: plexusctl [global options] publish EVENT_TYPE [--payload JSON] [--count N]

Publishes an event with source "operator"; the node stamps the source and the time.
  --payload JSON  the payload of EVENT_TYPE in the protobuf JSON mapping (default {}):
                  field names as in events.proto or lowerCamelCase, 64-bit integers as
                  numbers or strings, bytes as base64, e.g.
                  plexusctl publish NewBlock --payload '{"hash":"00ab","height":5}'
  --count N       publish the event N times (default 1)
Prints how many events were published, to how many modules (the most one event was
delivered to), and the deliveries per outcome summed over the events: accepted into a
channel, dropped at a full channel, failed (the module is stopping, gone or between
incarnations), timed out (a block-policy module made no room within block_timeout_ms).
A publish succeeds only when every block-policy subscriber takes every event: the first
event one does not take ends it, and each such module is named with why; exit 1. So does
an event the node published nothing of, because the journal made no room for it within
block_timeout_ms (a type durable modules subscribe to): it is not counted as published, and
the durable modules are named.
Exits 1 too when the node refuses the event (host-only types: module and node lifecycle,
maintenance, resources). While the node publishes, it reports progress at least every
--timeout/4 (at most every second), so a large --count never outlasts --timeout; if
plexusctl goes away, the node stops publishing.
With --json: the OperatorPublishResponse (exit 1 as above when `missed` is not empty;
`unpublished` counts the event not published).
)~";

constexpr std::string_view kLoad =
    R"~(usage: plexusctl [global options] load NAME [--exec PATH] [options]

Without --exec: starts NAME, a module the node already knows (from its configuration, or
loaded before) that is not running. With --exec: loads a new module NAME running PATH.
Answers once the module is ready; waits 30000 ms unless --timeout is given.
  --exec PATH           the executable (absolute, else beside plexus-node, else $PATH)
  --arg A               an argument for it (repeatable, kept in order)
  --capacity N          event-lane slots (default: the node's default capacity)
  --policy drop|block   what a full channel does (default drop)
  --restart never|on_failure|always
                        restart policy (default on_failure)
  --setting K=V         a setting handed to the module at its handshake (repeatable)
  --subscribe TYPE      an event type it may subscribe to (repeatable; none: every type)
  --publish TYPE        an event type it may publish (repeatable; none: none)
  --durable             a durable module: the node keeps its cursor in the journal and
                        delivers what it missed after every start (from the journal's
                        head at its first start)
The options other than --exec need --exec.
Prints "module NAME ready (pid P)". With --json: the LoadResponse.
)~";

constexpr std::string_view kUnload = R"~(usage: plexusctl [global options] unload MODULE

Stops MODULE gracefully (Goodbye, then SIGTERM, then SIGKILL) and answers once it
exited; it is not restarted, and `plexusctl load MODULE` starts it again. An unload while
the module is already stopping (a reload, or its own Goodbye) wins: it stays stopped.
Waits 30000 ms unless --timeout is given. With --json: the UnloadResponse.
)~";

constexpr std::string_view kReload = R"~(usage: plexusctl [global options] reload MODULE

Stops MODULE and starts a new incarnation; answers once that one is ready.
Waits 30000 ms unless --timeout is given. With --json: the ReloadResponse.
)~";

constexpr std::string_view kForget = R"~(usage: plexusctl [global options] forget MODULE

Removes MODULE, which must be stopped or failed (unload it first): its definition, state
and restart history, its delivery statistics and its subscriptions. `status` and `modules`
no longer count it; `load MODULE --exec PATH` can define it anew, with fresh statistics.
Prints "module MODULE forgotten (STATE)". With --json: the ForgetResponse.
)~";

constexpr std::string_view kMaintenance =
    R"~(usage: plexusctl [global options] maintenance flush|cleanup [options]

Asks the node to publish a DataMaintenance event (flush or cleanup) to its subscribers.
  --urgency low|medium|high  how urgent (default low)
  --reason TEXT              why, for the subscribers and the log
  --timeout-ms MS            how long the subscribers have (default: the node's)
Prints "maintenance #ID started". With --json: the MaintenanceResponse.
)~";

constexpr std::string_view kTail =
    R"~(usage: plexusctl [global options] tail [--type TYPE]... [--count N] [--filter EXPR]

Prints the node's live event stream, one JSON object per line, flushed after each:
  {"seq":3,"dropped_before":0,"event":{"type":"EVENT_TYPE_NEW_BLOCK",...}}
seq numbers the events of this stream; dropped_before counts the events of the stream the
node dropped just before this one (for instance because the reader fell behind).
  --type TYPE   only events of TYPE (repeatable; default every type)
  --count N     stop after N events
  --filter EXPR only events matching EXPR, a content filter over the event's fields such
                as 'fee >= 1000 and size < 100000' (docs/filters.md); it applies to, and
                must be valid for, every --type given (else exit 1, naming the type and column)
First checks that the node answers within --timeout (exit 3 if not). Then runs until
--count is reached or until SIGINT or SIGTERM (Ctrl-C), tells the node it stops and exits
0. A quiet node is not an error: the tail waits as long as it takes.
)~";

constexpr std::string_view kHelp = R"~(usage: plexusctl help [COMMAND]

Prints the general help, or the details of COMMAND.
)~";

// Breaks a comma-separated list into indented lines of at most `width` characters.
std::string wrapped(const std::string& list, const std::string& indent, std::size_t width) {
  std::string out, line = indent;
  std::size_t start = 0;
  while (start < list.size()) {
    std::size_t end = list.find(", ", start);
    std::string item = list.substr(start, end == std::string::npos ? end : end - start + 1);
    start = end == std::string::npos ? list.size() : end + 2;
    if (line.size() > indent.size() && line.size() + 1 + item.size() > width) {
      out += line + "\n";
      line = indent;
    }
    if (line.size() > indent.size()) line += ' ';
    line += item;
  }
  return out + line + "\n";
}

}  // namespace

std::span<const std::string_view> commandNames() {
  return kCommands;
}

bool isCommandName(std::string_view name) {
  return std::find(kCommands.begin(), kCommands.end(), name) != kCommands.end();
}

std::string generalHelp() {
  return std::string(kGeneral);
}

std::string commandHelp(std::string_view command) {
  const std::string types = "\nEvent types:\n" + wrapped(eventTypeNames(), "  ", 90);
  if (command == "status") return std::string(kStatus);
  if (command == "modules") return std::string(kModules);
  if (command == "stats") return std::string(kStats);
  if (command == "subscribers") return std::string(kSubscribers) + types;
  if (command == "journal") return std::string(kJournal);
  if (command == "cursors") return std::string(kCursors);
  if (command == "publish") return std::string(kPublish) + types;
  if (command == "load") return std::string(kLoad) + types;
  if (command == "unload") return std::string(kUnload);
  if (command == "reload") return std::string(kReload);
  if (command == "forget") return std::string(kForget);
  if (command == "maintenance") return std::string(kMaintenance);
  if (command == "tail") return std::string(kTail) + types;
  if (command == "keygen") return std::string(kKeygen);
  if (command == "help") return std::string(kHelp);
  return {};
}

std::string eventTypeNames() {
  std::string out;
  for (v1::EventType type : ipc::allEventTypes()) {
    if (!out.empty()) out += ", ";
    out += ipc::displayName(type);
  }
  return out;
}

}  // namespace plexus::ctl
