#include "plexus/ipc/envelope_codec.h"

#include <gtest/gtest.h>

#include "plexus/ipc/protocol.h"

namespace plexus::ipc {
namespace {

TEST(EnvelopeCodecTest, RoundTrip) {
  v1::Envelope in;
  stampVersion(in);
  in.mutable_subscribe()->add_types(v1::EVENT_TYPE_NEW_BLOCK);
  auto frame = encodeEnvelope(in);
  v1::Envelope out;
  ASSERT_TRUE(decodeEnvelope(frame, out).ok());
  EXPECT_EQ(out.protocol_major(), kProtocolMajor);
  ASSERT_TRUE(out.has_subscribe());
  EXPECT_EQ(out.subscribe().types(0), v1::EVENT_TYPE_NEW_BLOCK);
}

TEST(EnvelopeCodecTest, ControlResponsesAreStampedWithTheSameVersion) {
  v1::ControlResponse response;
  response.set_protocol_major(kProtocolMajor + 7);
  stampVersion(response);
  EXPECT_EQ(response.protocol_major(), kProtocolMajor);
  EXPECT_EQ(response.protocol_minor(), kProtocolMinor);
}

TEST(EnvelopeCodecTest, GarbageAndEmptyBodiesAreMalformed) {
  v1::Envelope out;
  const std::string garbage = "\xff\xff\xff\xff\x0f garbage";
  auto status = decodeEnvelope(garbage.data(), garbage.size(), out);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, v1::ERROR_CODE_MALFORMED);
  v1::Envelope versionOnly;
  stampVersion(versionOnly);
  auto frame = encodeEnvelope(versionOnly);
  EXPECT_FALSE(decodeEnvelope(frame, out).ok()) << "no body";
  EXPECT_FALSE(decodeEnvelope("", 0, out).ok());
}

TEST(EnvelopeCodecTest, ErrorEnvelopeCarriesCodeMessageAndCorrelation) {
  auto envelope = errorEnvelope(v1::ERROR_CODE_TIMEOUT, "too slow", 42);
  EXPECT_EQ(envelope.error().code(), v1::ERROR_CODE_TIMEOUT);
  EXPECT_EQ(envelope.error().message(), "too slow");
  EXPECT_EQ(envelope.error().correlation_id(), 42u);
}

}  // namespace
}  // namespace plexus::ipc
