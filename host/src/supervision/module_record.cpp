#include "supervision/module_record.h"

#include "filter/filter.h"

namespace plexus::host {

void ModuleRecord::setConfig(v1::ModuleConfig validated) {
  config = std::move(validated);
  configFilters.clear();
  // validateModule compiled each one already: none fails here.
  for (const auto& subscription : config.subscriptions()) {
    configFilters.push_back(
        {subscription.type(),
         filter::compileEventFilter(subscription.filter(), subscription.type()).filter});
  }
}

}  // namespace plexus::host
