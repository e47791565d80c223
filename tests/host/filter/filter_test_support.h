#pragma once

// Helpers of the filter unit tests: compiling against the test proto (filter_test.proto) with
// Envelope as the root and Envelope.kinds as the payload, and matching with a readable failure.

#include <filter_test.pb.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "filter/filter.h"

namespace plexus::filter::testing {

inline const google::protobuf::FieldDescriptor* payloadField(const char* name) {
  return test::Envelope::descriptor()->FindFieldByName(name);
}

inline CompileResult compileKinds(std::string_view text) {
  return compileFilter(text, *test::Envelope::descriptor(), payloadField("kinds"));
}

// The error of a filter that must not compile over Kinds, as describe() writes it.
inline std::string kindsError(std::string_view text) {
  CompileResult result = compileKinds(text);
  return result ? std::string("compiled") : describe(result.error);
}

inline test::Envelope envelopeOf(const test::Kinds& kinds, const std::string& source = "") {
  test::Envelope envelope;
  envelope.set_source(source);
  *envelope.mutable_kinds() = kinds;
  return envelope;
}

// `text` compiles over `payload` (a field of Envelope) and matches `envelope`.
inline ::testing::AssertionResult matchesIn(std::string_view text, const char* payload,
                                            const test::Envelope& envelope, bool expected) {
  CompileResult result = compileFilter(text, *test::Envelope::descriptor(),
                                       payload == nullptr ? nullptr : payloadField(payload));
  if (!result) {
    return ::testing::AssertionFailure()
           << "'" << text << "' does not compile: " << describe(result.error);
  }
  if (result.filter->matches(envelope) != expected) {
    return ::testing::AssertionFailure()
           << "'" << text << "' " << (expected ? "does not match" : "matches") << " "
           << envelope.ShortDebugString();
  }
  return ::testing::AssertionSuccess();
}

// `text` compiles over Kinds and matches (Matches) or does not match (Rejects) `kinds`.
inline ::testing::AssertionResult Matches(std::string_view text, const test::Kinds& kinds) {
  return matchesIn(text, "kinds", envelopeOf(kinds), true);
}
inline ::testing::AssertionResult Rejects(std::string_view text, const test::Kinds& kinds) {
  return matchesIn(text, "kinds", envelopeOf(kinds), false);
}

}  // namespace plexus::filter::testing
