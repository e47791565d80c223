#include "bench_event.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace plexus::bench {

namespace {

using google::protobuf::FieldDescriptor;

constexpr std::size_t kDecimalDigits = 20;

const FieldDescriptor* payloadField(v1::EventType type) {
  return v1::Event::descriptor()->FindFieldByNumber(100 + static_cast<int>(type));
}

const FieldDescriptor* firstOf(const google::protobuf::Descriptor* message,
                               FieldDescriptor::Type wanted) {
  for (int i = 0; i < message->field_count(); ++i) {
    const auto* field = message->field(i);
    if (!field->is_repeated() && field->type() == wanted) return field;
  }
  return nullptr;
}

}  // namespace

std::int64_t steadyNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

const FieldDescriptor* stampField(v1::EventType type) {
  const auto* payload = payloadField(type);
  if (payload == nullptr || payload->message_type() == nullptr) return nullptr;
  const auto* message = payload->message_type();
  for (auto wanted : {FieldDescriptor::TYPE_BYTES, FieldDescriptor::TYPE_STRING,
                      FieldDescriptor::TYPE_UINT64, FieldDescriptor::TYPE_INT64}) {
    if (const auto* field = firstOf(message, wanted)) return field;
  }
  return nullptr;
}

BenchEvent::BenchEvent(v1::EventType type, std::size_t size) : m_field(stampField(type)) {
  if (m_field == nullptr) {
    throw std::invalid_argument(v1::EventType_Name(type) +
                                " has no bytes, string or 64-bit field to carry the stamp");
  }
  m_event.set_type(type);
  const auto* reflection = m_event.GetReflection();
  m_payload = reflection->MutableMessage(&m_event, payloadField(type));
  // Every other string of the payload says "bench", so the event reads as a plausible one.
  const auto* message = m_payload->GetDescriptor();
  for (int i = 0; i < message->field_count(); ++i) {
    const auto* field = message->field(i);
    if (field != m_field && !field->is_repeated() &&
        field->type() == FieldDescriptor::TYPE_STRING) {
      m_payload->GetReflection()->SetString(m_payload, field, "bench");
    }
  }
  if (m_field->type() == FieldDescriptor::TYPE_BYTES) {
    m_text.assign(std::max<std::size_t>(size, sizeof(std::int64_t)), 'x');
  } else if (m_field->type() == FieldDescriptor::TYPE_STRING) {
    m_text.assign(std::max(size, kDecimalDigits), 'x');
  }
}

bool BenchEvent::setUint64(const std::string& name, std::uint64_t value) {
  const auto* field = m_payload->GetDescriptor()->FindFieldByName(name);
  if (field == nullptr || field->is_repeated() || field->type() != FieldDescriptor::TYPE_UINT64 ||
      field == m_field) {
    return false;
  }
  m_payload->GetReflection()->SetUInt64(m_payload, field, value);
  return true;
}

const v1::Event& BenchEvent::stamped(std::int64_t steadyNs) {
  const auto* reflection = m_payload->GetReflection();
  switch (m_field->type()) {
    case FieldDescriptor::TYPE_BYTES:
      std::memcpy(m_text.data(), &steadyNs, sizeof steadyNs);
      reflection->SetString(m_payload, m_field, m_text);
      break;
    case FieldDescriptor::TYPE_STRING: {
      std::array<char, kDecimalDigits + 1> digits{};
      std::snprintf(digits.data(), digits.size(), "%020lld", static_cast<long long>(steadyNs));
      std::memcpy(m_text.data(), digits.data(), kDecimalDigits);
      reflection->SetString(m_payload, m_field, m_text);
      break;
    }
    case FieldDescriptor::TYPE_UINT64:
      reflection->SetUInt64(m_payload, m_field, static_cast<std::uint64_t>(steadyNs));
      break;
    default:
      reflection->SetInt64(m_payload, m_field, steadyNs);
      break;
  }
  return m_event;
}

namespace {
const FieldDescriptor* const kMessageReceivedPayload =
    v1::MessageReceived::descriptor()->FindFieldByNumber(v1::MessageReceived::kPayloadFieldNumber);

// A bytes field's stamp: its first 8 bytes, as the publisher wrote them.
std::optional<std::int64_t> stampOfBytes(const std::string& text) {
  if (text.size() < sizeof(std::int64_t)) return std::nullopt;
  std::int64_t stamp = 0;
  std::memcpy(&stamp, text.data(), sizeof stamp);
  return stamp;
}
}  // namespace

StampReader::StampReader(v1::EventType type)
    : m_type(type), m_field(stampField(type)), m_payloadField(payloadField(type)) {}

std::optional<std::int64_t> StampReader::read(const v1::Event& event) const {
  if (m_field == nullptr || event.type() != m_type ||
      event.payload_case() != m_payloadField->number()) {
    return std::nullopt;
  }
  if (event.has_message_received() && m_field == kMessageReceivedPayload) {
    // The default bench type without reflection (the peers' subscribers only count bytes).
    return stampOfBytes(event.message_received().payload());
  }
  const auto& payload = event.GetReflection()->GetMessage(event, m_payloadField);
  const auto* reflection = payload.GetReflection();
  switch (m_field->type()) {
    case FieldDescriptor::TYPE_BYTES: {
      std::string scratch;
      return stampOfBytes(reflection->GetStringReference(payload, m_field, &scratch));
    }
    case FieldDescriptor::TYPE_STRING: {
      std::string scratch;
      const std::string& text = reflection->GetStringReference(payload, m_field, &scratch);
      if (text.size() < kDecimalDigits) return std::nullopt;
      std::uint64_t stamp = 0;
      for (std::size_t i = 0; i < kDecimalDigits; ++i) {
        if (text[i] < '0' || text[i] > '9') return std::nullopt;
        stamp = stamp * 10 + static_cast<std::uint64_t>(text[i] - '0');
      }
      return static_cast<std::int64_t>(stamp);
    }
    case FieldDescriptor::TYPE_UINT64:
      return static_cast<std::int64_t>(reflection->GetUInt64(payload, m_field));
    default:
      return reflection->GetInt64(payload, m_field);
  }
}

}  // namespace plexus::bench
