// ImportLedger: the highest imported offset per origin node survives a restart, a line cut by a
// crash is ignored, and a state dir that cannot be created is an error.

#include "import_ledger.h"

#include <gtest/gtest.h>

#include <fstream>

#include "temp_dir.h"

namespace plexus::bridge {
namespace {

TEST(ImportLedgerTest, RemembersTheHighestOffsetAcrossRestarts) {
  test::TempDir dir("pxledger");
  {
    ImportLedger ledger(dir.path() / "state", "b");
    EXPECT_EQ(ledger.highest(), 0u);
    EXPECT_FALSE(ledger.seen(1));
    ledger.record(1);
    ledger.record(2);
    ledger.record(5);
    EXPECT_TRUE(ledger.seen(5));
    EXPECT_FALSE(ledger.seen(4));  // never imported: a redelivery may come out of order
    EXPECT_FALSE(ledger.seen(6));
    ledger.record(4);
    EXPECT_TRUE(ledger.seen(4));
  }
  ImportLedger again(dir.path() / "state", "b");
  EXPECT_EQ(again.highest(), 5u);
  EXPECT_TRUE(again.seen(4));
  EXPECT_FALSE(again.seen(3));
  ImportLedger other(dir.path() / "state", "c");  // one ledger per origin node
  EXPECT_EQ(other.highest(), 0u);
}

TEST(ImportLedgerTest, ALineCutByACrashIsIgnored) {
  test::TempDir dir("pxledger");
  std::ofstream(dir.path() / "imported-b") << "7\n9\n12";  // "12" never got its newline
  ImportLedger ledger(dir.path(), "b");
  EXPECT_EQ(ledger.highest(), 9u);
  ledger.record(10);
  ImportLedger again(dir.path(), "b");
  EXPECT_EQ(again.highest(), 10u);
}

TEST(ImportLedgerTest, KeepsTheLastWindowOfOffsets) {
  test::TempDir dir("pxledger");
  ImportLedger ledger(dir.path(), "b");
  for (std::uint64_t offset = 1; offset <= ImportLedger::kWindow + 10; ++offset)
    ledger.record(offset * 2);  // even offsets only
  EXPECT_TRUE(ledger.seen(3));  // below the window: taken as seen
  EXPECT_FALSE(ledger.seen(2 * (ImportLedger::kWindow + 10) - 1));
  EXPECT_TRUE(ledger.seen(2 * (ImportLedger::kWindow + 10)));
}

TEST(ImportLedgerTest, AStateDirThatCannotBeCreatedIsAnError) {
  test::TempDir dir("pxledger");
  std::ofstream(dir.path() / "file") << "x";
  EXPECT_THROW(ImportLedger(dir.path() / "file" / "sub", "b"), std::runtime_error);
}

}  // namespace
}  // namespace plexus::bridge
