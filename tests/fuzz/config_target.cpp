// config_fuzz: the node's configuration text (protobuf text format) through parseConfig; an
// accepted config through validateConfig and withDefaults. Defaults must be stable and must not
// turn a valid config into an invalid one, and every module's effective settings must be filled
// (a remote module's restart policy excepted).

#include <google/protobuf/util/message_differencer.h>

#include <string>

#include "config/config.h"
#include "fuzz_support.h"
#include "fuzz_targets.h"

namespace plexus::fuzz {

int config(const std::uint8_t* data, std::size_t size) {
  quietLogging();
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto parsed = host::parseConfig(text, "fuzz");
  if (!parsed) {
    PLEXUS_FUZZ_CHECK(!parsed.error().message.empty(), "a parse error without a message");
    return 0;
  }
  const bool valid = host::validateConfig(*parsed).ok();
  const v1::NodeConfig filled = host::withDefaults(*parsed);
  PLEXUS_FUZZ_CHECK(
      google::protobuf::util::MessageDifferencer::Equals(host::withDefaults(filled), filled),
      "withDefaults is not idempotent");
  if (valid) {
    auto status = host::validateConfig(filled);
    PLEXUS_FUZZ_CHECK(status.ok(), "withDefaults made a valid config invalid: " +
                                       (status.ok() ? std::string() : status.error().message));
  }
  for (const v1::ModuleConfig& module : filled.module()) {
    // A remote module has no restart policy (the node never restarts it): a default there would
    // make a valid config invalid.
    const bool remote = module.kind() == v1::MODULE_KIND_REMOTE;
    PLEXUS_FUZZ_CHECK(module.channel_capacity() != 0 &&
                          module.policy() != v1::DELIVERY_POLICY_UNSPECIFIED &&
                          (remote || module.restart() != v1::RESTART_POLICY_UNSPECIFIED),
                      "module '" + module.name() + "' has an unfilled default");
  }
  PLEXUS_FUZZ_CHECK(filled.timings().heartbeat_interval_ms() != 0 &&
                        filled.timings().block_timeout_ms() != 0 &&
                        filled.max_message_bytes() != 0 && filled.module_request_rate() != 0 &&
                        !filled.log().level().empty(),
                    "a node default is unfilled");
  return 0;
}

}  // namespace plexus::fuzz
