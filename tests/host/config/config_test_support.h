#pragma once

// Helpers of the config unit tests.

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

#include "plexus/ipc/result.h"

namespace plexus::host::testing {

// Expects an INVALID_ARGUMENT whose message contains every fragment. `result`: a Status or a
// Result (of parseConfig, say).
template <typename T>
void expectInvalid(const Result<T>& result, std::initializer_list<std::string> fragments) {
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, v1::ERROR_CODE_INVALID_ARGUMENT);
  for (const auto& fragment : fragments) {
    EXPECT_NE(result.error().message.find(fragment), std::string::npos)
        << "'" << result.error().message << "' lacks '" << fragment << "'";
  }
}

}  // namespace plexus::host::testing
