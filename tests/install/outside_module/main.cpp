// An outside module: writes "height=<h> seq=<s>" for each NewBlock to the file named by the
// setting `out`. Built by tests/install/outside_module_test.sh against the installed SDK.
#include <plexus/sdk/module.h>

#include <fstream>
#include <iostream>

int main() {
  try {
    auto module = plexus::sdk::Module::fromEnvironment({"outside", "0.0.1"});
    std::ofstream out(module.setting("out", "/dev/null"), std::ios::app);
    module.on(plexus::v1::EVENT_TYPE_NEW_BLOCK, [&](const plexus::sdk::Delivery& d) {
      out << "height=" << d.event().new_block().height() << " seq=" << d.sequence() << std::endl;
    });
    return module.run();
  } catch (const std::exception& e) {
    std::cerr << "outside-module: " << e.what() << "\n";
    return 1;
  }
}
