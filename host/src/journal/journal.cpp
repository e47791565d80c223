#include "journal/journal.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <utility>

#include "runtime/logging.h"

namespace plexus::host {

namespace {

std::map<std::string, Cursor> loadCursors(JournalStore& store) {
  auto cursors = store.listCursors();
  if (!cursors)
    throw std::runtime_error("journal: cannot read the cursors: " + cursors.error().message);
  std::map<std::string, Cursor> out;
  for (Cursor& cursor : *cursors) {
    std::string id = cursor.moduleId;
    out.emplace(std::move(id), std::move(cursor));
  }
  return out;
}

OffsetAllocator openAllocator(JournalStore& store, std::uint64_t block) {
  auto allocator = OffsetAllocator::open(store, block);
  if (!allocator) throw std::runtime_error("journal: " + allocator.error().message);
  return std::move(*allocator);
}

std::function<std::chrono::steady_clock::time_point()> steadyClock(
    const JournalSettings& settings) {
  if (settings.steadyNow) return settings.steadyNow;
  return [] { return std::chrono::steady_clock::now(); };
}

// The relayed events at the tail (start-up, before the writer takes the store); a read failure
// leaves none: the node then cannot tell a relayed duplicate of the previous run (logged).
std::vector<RelayedOrigin> relayedTail(JournalStore& store, const JournalSettings& settings) {
  const auto started = std::chrono::steady_clock::now();
  auto relayed = scanRelayedTail(store, settings.relayedScan);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
  if (!relayed) {
    logger("journal")->warn("journal {}: cannot read its tail for relayed events: {}",
                            settings.directory.string(), relayed.error().message);
    return {};
  }
  if (!relayed->empty()) {
    logger("journal")->info("journal {}: {} relayed events among the last {} offsets ({} ms)",
                            settings.directory.string(), relayed->size(), settings.relayedScan, ms);
  }
  return std::move(*relayed);
}

std::int64_t wallNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Journal::Journal(std::unique_ptr<JournalStore> store, const JournalSettings& settings, int lockFd,
                 std::unique_ptr<JournalReads> reader)
    : m_directory(settings.directory),
      m_types(settings.types),
      m_fullSync(settings.sqlite.sync == SqliteOptions::Sync::Full),
      m_allocator(openAllocator(*store, settings.reservationBlock)),
      m_cursors(loadCursors(*store)),
      m_recent(kRecentEvents),
      m_sizer(settings.reservationBlock, kMaxReservationBlock, settings.writer.queueCapacity),
      m_now(steadyClock(settings)),
      m_log(logger("journal"), std::chrono::seconds(10)),
      m_lockFd(lockFd) {
  m_requested = m_allocator.reserved();
  if (const auto& hole = m_allocator.crashHole()) {
    logger("journal")->warn(
        "journal {}: the previous run stopped without writing offsets {}..{}: recorded as a hole",
        m_directory.string(), hole->first, hole->last);
    // The crashed run saved each delivered mark with acks, written with a later group: events it
    // sent after the last mark that reached the disk may have been handled. Every stored event
    // above a cursor may have been delivered, so the next catch-up flags them redelivered.
    for (auto& [id, cursor] : m_cursors)
      cursor.deliveredThrough = std::max(cursor.deliveredThrough, hole->first - 1);
  }
  m_oldestRecent = m_allocator.next();
  m_relayedAtStart = relayedTail(*store, settings);
  m_writer =
      std::make_unique<JournalWriter>(std::move(store), m_notices, settings.writer, &m_reads);
  if (reader) m_reader = std::make_unique<JournalReader>(std::move(reader), m_reads);
}

Journal::~Journal() {
  stop();
  if (m_lockFd >= 0) ::close(m_lockFd);
}

std::optional<std::uint64_t> Journal::take(v1::EventType type, const ipc::SharedBytes& body,
                                           bool mayWait) {
  PLEXUS_ASSERT_THREAD(m_thread);
  if (m_stopped) return 0;
  if (m_sizer.sampleDue(demand())) m_sizer.sample(demand(), m_now());
  std::optional<std::uint64_t> offset = m_allocator.allocate();
  if (!offset && m_notices.mayHaveItems()) {
    // The loop is busy publishing and has not polled the notices: a reservation may be there.
    onNotices();
    offset = m_allocator.allocate();
  }
  reserveAhead();
  if (!offset) {
    // A publisher that can wait does, until the reservation's notice (onNotices): never offset
    // 0 - while the store writes. When it refuses writes (a full disk), no reservation is
    // coming: live delivery goes on without offsets, counted as unjournaled.
    if (mayWait && m_last.ok) return std::nullopt;
    ++m_unjournaled;
    m_log.warn("unjournaled", [&] {
      // Either the store refuses writes (its error says why) or a burst outran the reservation.
      const std::string why = !m_last.ok ? "the store refuses writes: " + m_last.error
                                         : "publishes outran the reservation's round trip";
      return "journal " + m_directory.string() + ": no offset is reserved (" + why + "); " +
             ipc::displayName(type) + " delivered without an offset";
    });
    return 0;
  }
  if (m_writer->tryAppend(
          {*offset, wallNowNs(), static_cast<std::int32_t>(type), std::string(body.view())})) {
    remember(*offset, type, body);
    ++m_journaled;
    return *offset;
  }
  if (mayWait) {
    m_allocator.giveBack(*offset);
    return std::nullopt;
  }
  remember(*offset, type, body);
  // The disk is slower than the publishers: the event is delivered, the journal says it lost it.
  m_writer->recordHole({*offset, *offset, Hole::Reason::Overflow});
  ++m_overflow;
  m_log.warn("overflow", [&] {
    return "journal " + m_directory.string() + ": the write queue is full; offset " +
           std::to_string(*offset) + " recorded as a hole";
  });
  return *offset;
}

void Journal::reserveAhead() {
  const std::uint64_t block = m_sizer.block();
  const std::uint64_t wanted = m_allocator.wantedReservation(block);
  if (wanted == 0) return;
  const bool travelling = m_requested > m_allocator.reserved();
  if (travelling && wanted < m_requested + block) return;
  m_writer->requestReservation(wanted);
  m_requested = wanted;
  m_raisedAt = m_now();
  if (!travelling) {
    m_requestedAt = m_raisedAt;
    m_failuresAtRequest = m_last.failures;
  }
}

void Journal::remember(std::uint64_t offset, v1::EventType type, const ipc::SharedBytes& body) {
  RecentEvent& entry = m_recent[offset & (kRecentEvents - 1)];
  if (entry.offset != 0) {
    m_recentBytes -= entry.body.size();
    m_oldestRecent = std::max(m_oldestRecent, entry.offset + 1);
  }
  entry = {offset, type, body};
  m_recentBytes += body.size();
  // Large bodies: the oldest go first, so that the bytes held stay bounded.
  while (m_recentBytes > kRecentBytes && m_oldestRecent < offset) {
    RecentEvent& oldest = m_recent[m_oldestRecent & (kRecentEvents - 1)];
    if (oldest.offset == m_oldestRecent) {
      m_recentBytes -= oldest.body.size();
      oldest = {};
    }
    ++m_oldestRecent;
  }
}

std::optional<Cursor> Journal::cursor(const std::string& moduleId) const {
  PLEXUS_ASSERT_THREAD(m_thread);
  auto it = m_cursors.find(moduleId);
  if (it == m_cursors.end()) return std::nullopt;
  return it->second;
}

std::vector<Cursor> Journal::cursors() const {
  PLEXUS_ASSERT_THREAD(m_thread);
  std::vector<Cursor> out;
  out.reserve(m_cursors.size());
  for (const auto& entry : m_cursors)
    out.push_back(entry.second);
  return out;
}

void Journal::saveCursor(const Cursor& cursor) {
  PLEXUS_ASSERT_THREAD(m_thread);
  m_cursors[cursor.moduleId] = cursor;
  if (!m_stopped) m_writer->saveCursor(cursor);
}

bool Journal::forgetCursor(const std::string& moduleId) {
  PLEXUS_ASSERT_THREAD(m_thread);
  if (m_cursors.erase(moduleId) == 0) return false;
  if (!m_stopped) m_writer->forgetCursor(moduleId);
  return true;
}

void Journal::requestRead(ReadRequest request, ReadDone done) {
  PLEXUS_ASSERT_THREAD(m_thread);
  request.id = ++m_lastReadId;
  if (m_stopped) {
    ReadResult refused = stoppedRead(request);
    done(refused);
    return;
  }
  m_pendingReads.emplace(request.id, std::move(done));
  const std::uint64_t committed = m_last.committedThrough;
  if (m_reader && request.sinceNs == 0 && request.from <= committed &&
      (request.to <= committed || request.mayStopAtCommitted)) {
    request.to = std::min(request.to, committed);
    m_reader->request(std::move(request), committed);
    return;
  }
  m_writer->requestRead(std::move(request));
}

void Journal::onReads() {
  PLEXUS_ASSERT_THREAD(m_thread);
  std::vector<ReadResult> results;
  m_reads.drain(results);
  for (ReadResult& result : results) {
    auto pending = m_pendingReads.find(result.id);
    if (pending == m_pendingReads.end()) continue;
    ReadDone done = std::move(pending->second);
    m_pendingReads.erase(pending);
    done(result);
  }
}

void Journal::onNotices() {
  PLEXUS_ASSERT_THREAD(m_thread);
  std::vector<CommitNotice> notices;
  m_notices.drain(notices);
  if (notices.empty()) return;
  m_last = std::move(notices.back());  // totals: the latest supersedes the others
  const std::uint64_t before = m_allocator.reserved();
  m_allocator.onReserved(m_last.reservedThrough);
  if (m_allocator.reserved() > before && m_requestedAt) {
    // A reservation came back: its round trip, unless failed writes held it up.
    const auto now = m_now();
    if (m_last.failures == m_failuresAtRequest) m_sizer.roundTrip(now - *m_requestedAt);
    m_requestedAt.reset();
    if (m_requested > m_allocator.reserved()) {  // a raised one still travels
      m_requestedAt = m_raisedAt;
      m_failuresAtRequest = m_last.failures;
    }
  }
  if (m_last.busyEvents >= m_speedMark.busyEvents + CommitNotice::kSpeedSample) {
    m_sizer.writerWrote(m_last.busyEvents - m_speedMark.busyEvents,
                        std::chrono::nanoseconds(m_last.busyNs - m_speedMark.busyNs));
    m_speedMark = m_last;
  }
}

JournalStatus Journal::status() {
  PLEXUS_ASSERT_THREAD(m_thread);
  onNotices();
  JournalStatus out;
  out.directory = m_directory;
  out.types = m_types;
  out.fullSync = m_fullSync;
  out.nextOffset = m_allocator.next();
  out.reservedThrough = m_allocator.reserved();
  out.journaled = m_journaled;
  out.overflow = m_overflow;
  out.unjournaled = m_unjournaled;
  out.queued = m_stopped ? 0 : m_writer->queued();
  out.reservationBlock = m_sizer.block();
  out.crashHole = m_allocator.crashHole();
  out.last = m_last;
  return out;
}

void Journal::stop() {
  PLEXUS_ASSERT_THREAD(m_thread);
  if (m_stopped) return;
  m_stopped = true;
  m_writer->stopClean(m_allocator.next() - 1);
  if (m_reader) m_reader->stop();
  onNotices();
}

std::unique_ptr<Journal> openJournal(const JournalSettings& settings) {
  const std::filesystem::path& dir = settings.directory;
  std::error_code ec;
  // A directory it creates is the node's alone (the events may be private); an existing one is
  // left as the operator made it.
  if (std::filesystem::create_directories(dir, ec) && !ec) {
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace, ec);
  }
  if (ec) {
    throw std::runtime_error("journal directory " + dir.string() +
                             " cannot be created: " + ec.message());
  }
  const std::filesystem::path lockPath = dir / "journal.lock";
  const int fd = ::open(lockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    throw std::runtime_error("journal lock " + lockPath.string() +
                             " cannot be opened: " + std::strerror(errno));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    char holder[32] = {};
    const ssize_t n = ::pread(fd, holder, sizeof holder - 1, 0);
    ::close(fd);
    std::string who = n > 0 ? std::string(holder, static_cast<std::size_t>(n)) : "";
    while (!who.empty() && (who.back() == '\n' || who.back() == ' '))
      who.pop_back();
    throw std::runtime_error(
        error == EWOULDBLOCK ? "journal " + dir.string() + " is in use by another plexus-node" +
                                   (who.empty() ? std::string() : " (pid " + who + ")") +
                                   ": give this node its own journal.path"
                             : "journal lock " + lockPath.string() + ": " + std::strerror(error));
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  const bool stamped = ::ftruncate(fd, 0) == 0 &&
                       ::pwrite(fd, pid.data(), pid.size(), 0) == static_cast<ssize_t>(pid.size());
  (void)stamped;  // the pid only makes a second node's message better
  try {
    auto store = makeSqliteJournal(dir / "journal.sqlite", settings.sqlite);
    return std::make_unique<Journal>(std::move(store), settings, fd,
                                     makeSqliteJournalReader(dir / "journal.sqlite"));
  } catch (...) {
    ::close(fd);
    throw;
  }
}

}  // namespace plexus::host
