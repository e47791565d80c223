// ControlRejections: a slot per ErrorCode and one for peer refusals, named as the
// plexus_control_requests_rejected_total reason label; an unknown code counts as unspecified.

#include "metrics/control_rejections.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace plexus::host {
namespace {

TEST(ControlRejectionsTest, ReasonsAreTheErrorCodesInLowerCaseThenPeerRefused) {
  EXPECT_EQ(ControlRejections::reasonName(v1::ERROR_CODE_UNSPECIFIED), "unspecified");
  EXPECT_EQ(ControlRejections::reasonName(v1::ERROR_CODE_MALFORMED), "malformed");
  EXPECT_EQ(ControlRejections::reasonName(v1::ERROR_CODE_UNSUPPORTED_VERSION),
            "unsupported_version");
  EXPECT_EQ(ControlRejections::reasonName(v1::ERROR_CODE_NOT_FOUND), "not_found");
  EXPECT_EQ(ControlRejections::reasonName(ControlRejections::kPeerRefused), "peer_refused");
  EXPECT_EQ(ControlRejections::reasonName(ControlRejections::kReasons), "");
  std::set<std::string> names;
  for (std::size_t reason = 0; reason < ControlRejections::kReasons; ++reason) {
    const std::string name(ControlRejections::reasonName(reason));
    EXPECT_FALSE(name.empty()) << reason;
    EXPECT_EQ(name.find_first_not_of("abcdefghijklmnopqrstuvwxyz_"), std::string::npos) << name;
    names.insert(name);
  }
  EXPECT_EQ(names.size(), ControlRejections::kReasons) << "one name per reason";
}

TEST(ControlRejectionsTest, CountsPerReasonAndAnUnknownCodeAsUnspecified) {
  ControlRejections rejections;
  rejections.count(v1::ERROR_CODE_PERMISSION_DENIED);
  rejections.count(v1::ERROR_CODE_PERMISSION_DENIED);
  rejections.count(static_cast<v1::ErrorCode>(9999));
  rejections.count(static_cast<v1::ErrorCode>(-1));
  rejections.countPeerRefused();
  ControlRejections::Counts expected{};
  expected[v1::ERROR_CODE_PERMISSION_DENIED] = 2;
  expected[v1::ERROR_CODE_UNSPECIFIED] = 2;
  expected[ControlRejections::kPeerRefused] = 1;
  EXPECT_EQ(rejections.counts(), expected);
}

}  // namespace
}  // namespace plexus::host
