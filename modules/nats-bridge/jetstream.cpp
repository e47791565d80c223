#include "jetstream.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>

#include "bridge_settings.h"

namespace plexus::bridge {

namespace {

constexpr std::int64_t kDuplicateWindowNs = 120LL * 1'000'000'000;
constexpr std::int64_t kAckWaitNs = 3LL * 1'000'000'000;
constexpr std::int64_t kPublishWaitMs = 2000;
constexpr std::int64_t kMaxAsyncPending = 4096;

void check(natsStatus status, const std::string& what) {
  if (status != NATS_OK) throw std::runtime_error(what + ": " + natsError(status));
}

std::string describe(const jsStreamConfig& config) {
  std::string subjects;
  for (int i = 0; i < config.SubjectsLen; ++i) {
    subjects += (i ? "," : "") + std::string(config.Subjects[i]);
  }
  return "subjects [" + subjects + "], retention " + std::to_string(config.Retention) +
         ", storage " + std::to_string(config.Storage) + ", discard " +
         std::to_string(config.Discard) + ", duplicates " +
         std::to_string(config.Duplicates / 1'000'000'000) + " s";
}

bool sameAsOurs(const jsStreamConfig& config) {
  return config.SubjectsLen == 1 && std::string(config.Subjects[0]) == kStreamSubjects &&
         config.Retention == js_LimitsPolicy && config.Storage == js_FileStorage &&
         config.Discard == js_DiscardOld && config.Duplicates == kDuplicateWindowNs;
}

}  // namespace

std::string natsError(natsStatus status) {
  std::string text = natsStatus_GetText(status);
  natsStatus last = NATS_OK;
  const char* detail = nats_GetLastError(&last);
  if (detail != nullptr && *detail != '\0' && text.find(detail) == std::string::npos) {
    text += " (" + std::string(detail) + ")";
  }
  return text;
}

PullConsumer::~PullConsumer() {
  natsSubscription_Destroy(m_sub);
}

namespace {

// One pull of up to `batch` through `sub`, waiting at most `wait`; appends what came.
natsStatus pull(natsSubscription* sub, int batch, std::chrono::milliseconds wait,
                std::vector<MsgPtr>& into) {
  natsMsgList list{};
  jsFetchRequest request;
  jsFetchRequest_Init(&request);
  request.Batch = batch;
  request.Expires = std::chrono::nanoseconds(wait).count();
  const natsStatus status = natsSubscription_FetchRequest(&list, sub, &request);
  for (int i = 0; i < list.Count; ++i) {
    into.emplace_back(list.Msgs[i]);
    list.Msgs[i] = nullptr;
  }
  natsMsgList_Destroy(&list);
  return status;
}

// How many messages the consumer still holds behind `message` (its JetStream metadata).
std::uint64_t pendingBehind(natsMsg* message) {
  jsMsgMetaData* meta = nullptr;
  if (natsMsg_GetMetaData(&meta, message) != NATS_OK) return 0;
  const std::uint64_t pending = meta->NumPending;
  jsMsgMetaData_Destroy(meta);
  return pending;
}

}  // namespace

std::vector<MsgPtr> PullConsumer::fetch(int batch, std::chrono::milliseconds wait,
                                        std::string& error) {
  std::vector<MsgPtr> messages;
  // A long poll for one message ends with the first one stored. (A pull of a whole batch ends
  // only when the batch is full or it expires, unless the server ends it early: a no-wait pull
  // with an expiry, what natsSubscription_Fetch sends first, was seen to hold events for up to
  // its expiry under load.)
  natsStatus status = pull(m_sub, 1, wait, messages);
  if (!messages.empty() && batch > 1) {
    // What is stored behind it: a pull of exactly that many completes at once.
    const std::uint64_t behind = pendingBehind(messages.front().get());
    if (behind > 0) {
      const int more = static_cast<int>(std::min<std::uint64_t>(behind, batch - 1));
      status = pull(m_sub, more, wait, messages);
    }
  }
  if (status != NATS_OK && status != NATS_TIMEOUT && status != NATS_NOT_FOUND && messages.empty()) {
    error = natsError(status);
  }
  return messages;
}

JetStream::JetStream(const std::string& url) {
  check(natsOptions_Create(&m_options), "nats options");
  std::vector<std::string> servers;  // "nats://a:4222,nats://b:4222": a cluster
  std::stringstream list(url);
  for (std::string server; std::getline(list, server, ',');) {
    if (!server.empty()) servers.push_back(server);
  }
  std::vector<const char*> pointers;
  pointers.reserve(servers.size());
  for (const auto& server : servers)
    pointers.push_back(server.c_str());
  if (pointers.empty()) throw std::runtime_error("setting nats_url is empty");
  check(natsOptions_SetServers(m_options, pointers.data(), static_cast<int>(pointers.size())),
        "nats_url '" + url + "'");
  check(natsOptions_SetMaxReconnect(m_options, -1), "nats options");
  check(natsOptions_SetReconnectWait(m_options, 250), "nats options");
  // Each publish (an export's async publish, an import's ack) goes out at once rather than when
  // nats.c's flusher thread next runs (measured: ~0.7 ms more at p50 on the way to JetStream).
  check(natsOptions_SetSendAsap(m_options, true), "nats options");
  check(natsOptions_SetRetryOnFailedConnect(m_options, true, nullptr, nullptr), "nats options");
  const natsStatus connected = natsConnection_Connect(&m_connection, m_options);
  // NATS_NOT_YET_CONNECTED: the server is down; the library keeps trying in the background.
  if (connected != NATS_OK && connected != NATS_NOT_YET_CONNECTED) {
    check(connected, "cannot connect to " + url);
  }
  jsOptions options;
  jsOptions_Init(&options);
  options.Wait = kPublishWaitMs;
  options.PublishAsync.AckHandler = &JetStream::onPubAck;
  options.PublishAsync.AckHandlerClosure = this;
  options.PublishAsync.MaxPending = kMaxAsyncPending;
  options.PublishAsync.StallWait = kPublishWaitMs;
  check(natsConnection_JetStream(&m_js, m_connection, &options), "JetStream context");
}

JetStream::~JetStream() {
  jsCtx_Destroy(m_js);
  natsConnection_Destroy(m_connection);
  natsOptions_Destroy(m_options);
}

bool JetStream::connected() const {
  return natsConnection_Status(m_connection) == NATS_CONN_STATUS_CONNECTED;
}

void JetStream::ensureStream(std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    jsStreamInfo* info = nullptr;
    jsErrCode code = static_cast<jsErrCode>(0);
    natsStatus status = js_GetStreamInfo(&info, m_js, kStreamName, nullptr, &code);
    if (status == NATS_NOT_FOUND || code == JSStreamNotFoundErr) {
      jsStreamConfig config;
      jsStreamConfig_Init(&config);
      const char* subjects[] = {kStreamSubjects};
      config.Name = kStreamName;
      config.Subjects = subjects;
      config.SubjectsLen = 1;
      config.Retention = js_LimitsPolicy;
      config.Storage = js_FileStorage;
      config.Discard = js_DiscardOld;
      config.Duplicates = kDuplicateWindowNs;
      status = js_AddStream(&info, m_js, &config, nullptr, &code);
      // Another bridge created it meanwhile: read it back and compare.
      if (status != NATS_OK && code == JSStreamNameExistErr) continue;
    }
    if (status == NATS_OK) {
      const bool ours = sameAsOurs(*info->Config);
      const std::string found = describe(*info->Config);
      jsStreamInfo_Destroy(info);
      if (!ours) {
        throw std::runtime_error(
            std::string("JetStream stream ") + kStreamName +
            " exists with another configuration (" + found +
            "); the bridge needs subjects [plexus.>], limits retention, file storage, "
            "discard old, duplicates 120 s and changes no existing stream: fix or delete it");
      }
      return;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      throw std::runtime_error(std::string("cannot read or create JetStream stream ") +
                               kStreamName + ": " + natsError(status));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // retry backoff: NATS starting
  }
}

std::string JetStream::publish(const std::string& subject, const std::string& data,
                               const std::string& msgId, bool& duplicate) {
  jsPubOptions options;
  jsPubOptions_Init(&options);
  options.MsgId = msgId.c_str();
  options.MaxWait = kPublishWaitMs;
  jsPubAck* ack = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  const natsStatus status = js_Publish(&ack, m_js, subject.c_str(), data.data(),
                                       static_cast<int>(data.size()), &options, &code);
  if (status != NATS_OK) return natsError(status);
  duplicate = ack->Duplicate;
  jsPubAck_Destroy(ack);
  return {};
}

void JetStream::onPubAck(jsCtx*, natsMsg* message, jsPubAck* ack, jsPubAckErr*, void* closure) {
  MsgPtr owned(message);  // ours to destroy (nats.c's AckHandler contract)
  if (ack != nullptr) return;
  auto* self = static_cast<JetStream*>(closure);
  std::lock_guard lock(self->m_mutex);
  self->m_unstored.push_back(std::move(owned));
}

std::string JetStream::publishAsync(const std::string& subject, const std::string& data,
                                    const std::string& msgId) {
  jsPubOptions options;
  jsPubOptions_Init(&options);
  options.MsgId = msgId.c_str();
  options.MaxWait = kPublishWaitMs;  // no ack by then: onPubAck gets NATS_TIMEOUT
  const natsStatus status =
      js_PublishAsync(m_js, subject.c_str(), data.data(), static_cast<int>(data.size()), &options);
  return status == NATS_OK ? std::string() : natsError(status);
}

std::vector<MsgPtr> JetStream::awaitAsync(std::chrono::milliseconds wait) {
  jsPubOptions options;
  jsPubOptions_Init(&options);
  options.MaxWait = wait.count();
  if (js_PublishAsyncComplete(m_js, &options) != NATS_OK) {
    natsMsgList pending{};  // no ack in time: ours again (a late ack is ignored)
    if (js_PublishAsyncGetPendingList(&pending, m_js) == NATS_OK) {
      std::lock_guard lock(m_mutex);
      for (int i = 0; i < pending.Count; ++i) {
        m_unstored.emplace_back(pending.Msgs[i]);
        pending.Msgs[i] = nullptr;
      }
    }
    natsMsgList_Destroy(&pending);
  }
  std::lock_guard lock(m_mutex);
  return std::exchange(m_unstored, {});
}

std::string JetStream::republish(natsMsg* message) {
  jsPubOptions options;
  jsPubOptions_Init(&options);
  options.MaxWait = kPublishWaitMs;  // the message keeps its Nats-Msg-Id header
  jsPubAck* ack = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  const natsStatus status = js_PublishMsg(&ack, m_js, message, &options, &code);
  jsPubAck_Destroy(ack);
  return status == NATS_OK ? std::string() : natsError(status);
}

std::unique_ptr<PullConsumer> JetStream::pullSubscribe(const std::string& filter,
                                                       const std::string& durable) {
  jsSubOptions options;
  jsSubOptions_Init(&options);
  options.Stream = kStreamName;
  options.Config.AckPolicy = js_AckExplicit;
  options.Config.DeliverPolicy = js_DeliverAll;
  options.Config.AckWait = kAckWaitNs;
  options.Config.MaxAckPending = 1000;  // bounds what can be redelivered (ImportLedger::kWindow)
  options.Config.FilterSubject = filter.c_str();
  natsSubscription* sub = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  check(js_PullSubscribe(&sub, m_js, filter.c_str(), durable.c_str(), nullptr, &options, &code),
        "pull consumer " + durable + " on " + filter);
  return std::make_unique<PullConsumer>(sub);
}

}  // namespace plexus::bridge
