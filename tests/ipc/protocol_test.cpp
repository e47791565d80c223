#include "plexus/ipc/protocol.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "plexus/ipc/endpoints.h"
#include "plexus/ipc/token.h"

namespace plexus::ipc {
namespace {

TEST(ProtocolTest, ModuleIdRules) {
  EXPECT_EQ(validateModuleId("logger"), "");
  EXPECT_EQ(validateModuleId("a"), "");
  EXPECT_EQ(validateModuleId("0abc_def-9"), "");
  EXPECT_EQ(validateModuleId(std::string(64, 'a')), "");
  EXPECT_NE(validateModuleId(std::string(65, 'a')), "");
  EXPECT_NE(validateModuleId(""), "");
  EXPECT_NE(validateModuleId("_x"), "");
  EXPECT_NE(validateModuleId("-x"), "");
  EXPECT_NE(validateModuleId("Logger"), "");
  EXPECT_NE(validateModuleId("a b"), "");
  EXPECT_NE(validateModuleId("a/b"), "");
  EXPECT_NE(validateModuleId("host"), "");
  EXPECT_NE(validateModuleId("operator"), "");
}

TEST(ProtocolTest, TokensAreFreshHex) {
  auto a = generateToken(), b = generateToken();
  EXPECT_EQ(a.size(), 64u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_TRUE(constantTimeEquals(a, a));
  EXPECT_FALSE(constantTimeEquals(a, b));
  EXPECT_FALSE(constantTimeEquals(a, a.substr(1)));
}

TEST(ProtocolTest, RuntimeDirResolutionOrder) {
  EXPECT_EQ(resolveRuntimeDir("/x", "/y"), "/x");
  EXPECT_EQ(resolveRuntimeDir("", "/y"), "/y");
  ::setenv("XDG_RUNTIME_DIR", "/run/user/7", 1);
  EXPECT_EQ(resolveRuntimeDir("", ""), "/run/user/7/plexus");
  ::unsetenv("XDG_RUNTIME_DIR");
  EXPECT_EQ(resolveRuntimeDir("", ""), "/tmp/plexus-" + std::to_string(::getuid()));
  EXPECT_EQ(ipcEndpoint(moduleSocketPath("/r")), "ipc:///r/modules.sock");
  EXPECT_EQ(controlSocketPath("/r"), "/r/control.sock");
}

}  // namespace
}  // namespace plexus::ipc
