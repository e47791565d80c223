#pragma once

// JetStream: the bridge's NATS connection (nats.c, libnats-dev) and what it does with it:
// ensure the PLEXUS stream (created if absent with the fixed configuration below; an existing
// stream configured otherwise is refused, never changed), publish with a message id (JetStream
// drops a second message with the same id within the stream's duplicate window), and pull
// batches through a durable consumer.
//
// The stream (docs/design.md "The NATS bridge"): name PLEXUS, subjects ["plexus.>"], file
// storage, limits retention, discard old, duplicate window 2 min. Limits (max age, bytes,
// messages) and replicas are the operator's: the bridge neither sets nor checks them.
// A durable consumer: explicit acks, deliver all, ack wait 3 s, max ack pending 1000, filter
// `plexus.<origin>.>`.
//
// Asynchronous publishes (the export): publishAsync() hands a message to nats.c and returns;
// nats.c's thread takes JetStream's ack (onPubAck) and keeps the messages whose ack failed;
// awaitAsync() waits for the acks of everything sent and hands back what JetStream did not
// confirm (failed, or no ack in time: taken back from nats.c), for republish().
//
// Thread rule: the connection is thread-safe (nats.c); a PullConsumer is owned by one thread;
// the asynchronous publishes by one thread (the export's), except m_unstored, which nats.c's
// ack thread fills under m_mutex.
// Errors are std::string (empty = ok) on the per-message paths; setup throws
// std::runtime_error with NATS's text.

#include <nats/nats.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace plexus::bridge {

struct MsgDeleter {
  void operator()(natsMsg* msg) const { natsMsg_Destroy(msg); }
};
using MsgPtr = std::unique_ptr<natsMsg, MsgDeleter>;

class PullConsumer {
 public:
  explicit PullConsumer(natsSubscription* sub) : m_sub(sub) {}
  ~PullConsumer();
  PullConsumer(const PullConsumer&) = delete;
  PullConsumer& operator=(const PullConsumer&) = delete;

  // Up to `batch` messages; none when nothing came within `wait`; `error` set when the fetch
  // failed otherwise (NATS down: the caller retries). A long poll for one message (it returns
  // as soon as one is stored), then a pull of exactly the messages the consumer holds behind it
  // (its metadata's NumPending, at most `batch` - 1), which completes at once.
  std::vector<MsgPtr> fetch(int batch, std::chrono::milliseconds wait, std::string& error);

 private:
  natsSubscription* m_sub;
};

class JetStream {
 public:
  // Connects (retrying in the background while the server is down, reconnecting forever);
  // throws std::runtime_error.
  explicit JetStream(const std::string& url);
  ~JetStream();
  JetStream(const JetStream&) = delete;
  JetStream& operator=(const JetStream&) = delete;

  // Creates the PLEXUS stream if absent; throws if it exists with another configuration or
  // cannot be read or created within `deadline`.
  void ensureStream(std::chrono::steady_clock::time_point deadline);

  // Publishes and waits for JetStream's ack. Empty when stored (or a duplicate of a message
  // stored before: `duplicate`), else why not.
  std::string publish(const std::string& subject, const std::string& data, const std::string& msgId,
                      bool& duplicate);

  // Sends without waiting for the ack: empty when nats.c took it (awaitAsync() confirms it),
  // else why not (nothing sent: the caller publishes synchronously instead).
  std::string publishAsync(const std::string& subject, const std::string& data,
                           const std::string& msgId);
  // Waits up to `wait` for the acks of every publishAsync() so far; returns the messages
  // JetStream did not confirm (nack, timeout, or no ack within `wait`): empty = all stored.
  std::vector<MsgPtr> awaitAsync(std::chrono::milliseconds wait);
  // Publishes an unconfirmed message again (its message id kept) and waits for the ack; empty
  // when stored (or a duplicate of a message stored before), else why not.
  std::string republish(natsMsg* message);

  // A durable pull consumer on `filter`; throws std::runtime_error.
  std::unique_ptr<PullConsumer> pullSubscribe(const std::string& filter,
                                              const std::string& durable);

  // A connected() snapshot, for logs.
  bool connected() const;

 private:
  // nats.c's ack thread: keeps `message` when `ack` is null (failed), else destroys it.
  static void onPubAck(jsCtx* js, natsMsg* message, jsPubAck* ack, jsPubAckErr* error,
                       void* closure);

  natsOptions* m_options = nullptr;
  natsConnection* m_connection = nullptr;
  jsCtx* m_js = nullptr;
  std::mutex m_mutex;
  std::vector<MsgPtr> m_unstored;  // guarded by m_mutex: failed asynchronous publishes
};

// NATS's text for `status` with the library's last error detail.
std::string natsError(natsStatus status);

}  // namespace plexus::bridge
