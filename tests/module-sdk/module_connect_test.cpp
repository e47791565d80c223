// What a module author sees when the module cannot connect: a ConnectError with a message that
// says why, never a hang.

#include <gtest/gtest.h>
#include <plexus/sdk/module.h>

#include <cstdlib>
#include <filesystem>

#include "connect_error_of.h"

namespace plexus::sdk {
namespace {

using test::connectErrorOf;

TEST(ModuleConnectTest, WithoutTheSpawnEnvironmentTheErrorSaysWhoStartsModules) {
  ::unsetenv("PLEXUS_MODULE_ID");
  ::unsetenv("PLEXUS_ENDPOINT");
  auto message = connectErrorOf([] { (void)Module::fromEnvironment(); });
  EXPECT_NE(message.find("PLEXUS_MODULE_ID and PLEXUS_ENDPOINT are not set"), std::string::npos)
      << message;
  EXPECT_NE(message.find("started by plexus-node"), std::string::npos);
}

TEST(ModuleConnectTest, NoNodeAtTheEndpointTimesOutWithTheEndpointInTheMessage) {
  ConnectOptions options;
  options.moduleId = "lonely";
  options.endpoint = "ipc:///tmp/plexus-sdk-test-no-such-node.sock";
  options.token = std::string(64, '0');
  options.timeout = std::chrono::milliseconds(300);
  auto message = connectErrorOf([&] { (void)Module::connect(options); });
  EXPECT_NE(message.find("no connection to plexus-node at " + options.endpoint), std::string::npos)
      << message;
}

TEST(ModuleConnectTest, AnInvalidModuleIdIsRefusedBeforeConnecting) {
  ConnectOptions options;
  options.moduleId = "Not Valid";
  options.endpoint = "ipc:///tmp/x.sock";
  auto message = connectErrorOf([&] { (void)Module::connect(options); });
  EXPECT_NE(message.find("invalid module id 'Not Valid'"), std::string::npos) << message;
}

}  // namespace
}  // namespace plexus::sdk
