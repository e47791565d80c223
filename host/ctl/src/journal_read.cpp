#include "plexus/ctl/journal_read.h"

#include <algorithm>
#include <cstdio>

#include "plexus/ctl/json_output.h"
#include "plexus/ipc/event_types.h"

namespace plexus::ctl {

namespace {

std::uint32_t pageSize(const JournalReadCommand& command, std::uint64_t printed) {
  const std::uint64_t left =
      command.count == 0 ? JournalReadCommand::kMaxPerRequest : command.count - printed;
  return static_cast<std::uint32_t>(std::min(left, JournalReadCommand::kMaxPerRequest));
}

std::string quoted(std::uint64_t value) {
  return "\"" + std::to_string(value) + "\"";
}

}  // namespace

std::string rfc3339Ms(std::int64_t unixNs) {
  using namespace std::chrono;
  const sys_time<milliseconds> at{duration_cast<milliseconds>(nanoseconds(unixNs))};
  const auto day = floor<days>(at);
  const year_month_day date{day};
  const hh_mm_ss<milliseconds> time{at - day};
  char text[40];
  std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()), static_cast<int>(time.hours().count()),
                static_cast<int>(time.minutes().count()), static_cast<int>(time.seconds().count()),
                static_cast<int>(time.subseconds().count()));
  return text;
}

v1::ControlRequest journalReadRequest(const JournalReadCommand& command, std::int64_t nowMs) {
  v1::ControlRequest request;
  auto* body = request.mutable_journal_read();
  if (command.fromOffset != 0) {
    body->set_from_offset(command.fromOffset);
  } else {
    // A duration reaching before 1970 means everything: the earliest time there is.
    const std::int64_t since =
        command.sinceUnixMs ? *command.sinceUnixMs : nowMs - command.sinceAgoMs.value_or(0);
    body->set_since_unix_ms(std::max<std::int64_t>(since, 1));
  }
  for (auto type : command.types)
    body->add_types(type);
  body->set_count(pageSize(command, 0));
  return request;
}

Result<std::string> journalEntryLine(const v1::JournalEntry& entry) {
  if (entry.has_hole()) {
    auto hole = toJson(entry.hole());
    if (!hole) return hole.error();
    return "{\"hole\":" + *hole + "}";
  }
  v1::Event event;
  if (!event.ParseFromString(entry.event())) {
    return makeError(v1::ERROR_CODE_MALFORMED,
                     "offset " + std::to_string(entry.offset()) + " holds an undecodable event");
  }
  auto json = toJson(event);
  if (!json) return json.error();
  return "{\"offset\":" + quoted(entry.offset()) + ",\"time\":\"" +
         rfc3339Ms(entry.time_unix_ns()) + "\",\"type\":\"" + ipc::displayName(entry.type()) +
         "\",\"event\":" + *json + "}";
}

ExitCode runJournalRead(ControlConnection& connection, const JournalReadCommand& command,
                        std::chrono::milliseconds timeout, const std::atomic<bool>& stop,
                        std::ostream& out, std::ostream& err, std::int64_t nowMs) {
  v1::ControlRequest request = journalReadRequest(command, nowMs);
  std::uint64_t printed = 0;
  std::uint64_t head = 0;  // the journal's head at the first answer: where the read ends
  for (bool first = true;; first = false) {
    auto answer = connection.call(request, timeout);
    if (!answer) {
      err << "plexusctl: " << answer.error().message << "\n";
      return answer.error().code == v1::ERROR_CODE_MALFORMED ? ExitCode::ErrorReply
                                                             : ExitCode::Unreachable;
    }
    if (answer->has_error()) {
      err << "plexusctl: " << answer->error().message() << "\n";
      return ExitCode::ErrorReply;
    }
    if (!answer->has_journal_read()) {
      err << "plexusctl: unexpected answer from the node (no journal_read)\n";
      return ExitCode::ErrorReply;
    }
    const v1::JournalReadResponse& page = answer->journal_read();
    if (first) head = page.last_offset();
    // Retention may also catch up with a long read between two pages: said each time.
    if (page.trimmed_before() != 0)
      out << "{\"trimmed_before\":" << quoted(page.trimmed_before()) << "}\n";
    for (const v1::JournalEntry& entry : page.entries()) {
      auto line = journalEntryLine(entry);
      if (!line) {
        err << "plexusctl: skipped offset " << entry.offset() << ": " << line.error().message
            << "\n";
        continue;
      }
      out << *line << '\n';
      if (!entry.has_hole()) ++printed;
    }
    out.flush();
    if (!out) return ExitCode::Ok;  // stdout closed (e.g. piped into head)
    if (!page.more() || (command.count != 0 && printed >= command.count) || stop.load()) break;
    if (page.next_offset() > head) break;
    request = v1::ControlRequest();
    auto* body = request.mutable_journal_read();
    body->set_from_offset(page.next_offset());
    body->set_to_offset(head);
    for (auto type : command.types)
      body->add_types(type);
    body->set_count(pageSize(command, printed));
  }
  return ExitCode::Ok;
}

}  // namespace plexus::ctl
