#include "metrics/control_rejections.h"

#include <cctype>
#include <string>

namespace plexus::host {

namespace {

std::array<std::string, ControlRejections::kReasons> buildReasonNames() {
  std::array<std::string, ControlRejections::kReasons> names;
  constexpr std::string_view kPrefix = "ERROR_CODE_";
  for (int code = 0; code < static_cast<int>(ControlRejections::kPeerRefused); ++code) {
    if (!v1::ErrorCode_IsValid(code)) continue;
    std::string_view name = v1::ErrorCode_Name(static_cast<v1::ErrorCode>(code));
    if (name.substr(0, kPrefix.size()) == kPrefix) name.remove_prefix(kPrefix.size());
    std::string& out = names[static_cast<std::size_t>(code)];
    for (char c : name)
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  names[ControlRejections::kPeerRefused] = "peer_refused";
  return names;
}

}  // namespace

void ControlRejections::count(v1::ErrorCode code) {
  PLEXUS_ASSERT_THREAD(m_thread);
  const auto slot = static_cast<std::size_t>(code);
  ++m_counts[v1::ErrorCode_IsValid(code) && slot < kPeerRefused ? slot : 0];
}

void ControlRejections::countPeerRefused() {
  PLEXUS_ASSERT_THREAD(m_thread);
  ++m_counts[kPeerRefused];
}

const ControlRejections::Counts& ControlRejections::counts() const {
  PLEXUS_ASSERT_THREAD(m_thread);
  return m_counts;
}

std::string_view ControlRejections::reasonName(std::size_t reason) {
  static const std::array<std::string, kReasons> kNames = buildReasonNames();
  return reason < kReasons ? std::string_view(kNames[reason]) : std::string_view();
}

}  // namespace plexus::host
