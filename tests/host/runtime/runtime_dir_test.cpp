// RuntimeDir: the directory is created (or tightened to) 0700, the lock file records the holder
// pid, a second holder is refused naming that pid, and the destructor cleans up so the next
// node can start. Every test works in its own directory under /tmp.

#include "runtime/runtime_dir.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>

#include "plexus/ipc/endpoints.h"

namespace plexus::host {
namespace {

namespace fs = std::filesystem;

class RuntimeDirTest : public ::testing::Test {
 protected:
  RuntimeDirTest() {
    std::string pattern = (fs::temp_directory_path() / "plexus-runtime-dir-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp");
    base = pattern;
  }
  ~RuntimeDirTest() override {
    std::error_code ec;
    fs::remove_all(base, ec);
  }

  static std::string readFile(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  static unsigned permissions(const fs::path& path) {
    struct stat info {};
    EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
    EXPECT_TRUE(S_ISDIR(info.st_mode)) << path;
    return info.st_mode & 07777;
  }

  fs::path base;
};

TEST_F(RuntimeDirTest, CreatesTheDirectory0700AndRecordsThePid) {
  const fs::path dir = base / "nested" / "plexus";
  auto acquired = RuntimeDir::acquire(dir);
  ASSERT_TRUE(acquired.ok()) << acquired.error().message;
  EXPECT_EQ(acquired->path(), dir);
  EXPECT_EQ(permissions(dir), 0700u);

  const fs::path lock = dir / "plexus-node.lock";
  EXPECT_EQ(ipc::lockFilePath(dir), lock);
  ASSERT_TRUE(fs::exists(lock));
  EXPECT_EQ(readFile(lock), std::to_string(::getpid()) + "\n");
}

TEST_F(RuntimeDirTest, WithAControlGroupTheDirectoryIs0750OfThatGroup) {
  const fs::path dir = base / "shared";
  {
    auto acquired = RuntimeDir::acquire(dir, ::getgid());  // our own group: no privilege
    ASSERT_TRUE(acquired.ok()) << acquired.error().message;
    EXPECT_EQ(permissions(dir), 0750u);
    struct stat info {};
    ASSERT_EQ(::stat(dir.c_str(), &info), 0);
    EXPECT_EQ(info.st_gid, ::getgid());
  }
  if (::getuid() != 0) {  // only root may give a directory to a group it is not in
    auto refused = RuntimeDir::acquire(base / "foreign", gid_t{0});
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().message.find("to group 0"), std::string::npos);
  }
}

TEST_F(RuntimeDirTest, TightensAnExistingDirectoryTo0700) {
  const fs::path dir = base / "loose";
  ASSERT_EQ(::mkdir(dir.c_str(), 0755), 0);
  ASSERT_EQ(::chmod(dir.c_str(), 0755), 0);  // whatever the umask made of it
  auto acquired = RuntimeDir::acquire(dir);
  ASSERT_TRUE(acquired.ok()) << acquired.error().message;
  EXPECT_EQ(permissions(dir), 0700u);
}

TEST_F(RuntimeDirTest, SecondAcquireIsRefusedNamingTheHolder) {
  const fs::path dir = base / "busy";
  auto first = RuntimeDir::acquire(dir);
  ASSERT_TRUE(first.ok()) << first.error().message;

  auto second = RuntimeDir::acquire(dir);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, v1::ERROR_CODE_ALREADY_EXISTS);
  EXPECT_NE(second.error().message.find("(pid " + std::to_string(::getpid()) + ")"),
            std::string::npos)
      << second.error().message;
  EXPECT_NE(second.error().message.find(dir.string()), std::string::npos);

  // The refused attempt left the holder's lock file intact.
  EXPECT_EQ(readFile(dir / "plexus-node.lock"), std::to_string(::getpid()) + "\n");
}

TEST_F(RuntimeDirTest, DestructorCleansUpAndReleasesTheLock) {
  const fs::path dir = base / "cycle";
  std::optional<Result<RuntimeDir>> first(RuntimeDir::acquire(dir));
  ASSERT_TRUE(first->ok()) << first->error().message;

  // Sockets the node bound there (regular files stand in for them).
  const fs::path modules = ipc::moduleSocketPath(dir);
  const fs::path control = ipc::controlSocketPath(dir);
  EXPECT_EQ(modules.filename(), "modules.sock");
  EXPECT_EQ(control.filename(), "control.sock");
  std::ofstream(modules) << "";
  std::ofstream(control) << "";
  const fs::path unrelated = dir / "keep.me";
  std::ofstream(unrelated) << "data";

  first.reset();
  EXPECT_FALSE(fs::exists(dir / "plexus-node.lock"));
  EXPECT_FALSE(fs::exists(modules));
  EXPECT_FALSE(fs::exists(control));
  EXPECT_TRUE(fs::exists(unrelated));  // only what the node put there is removed
  EXPECT_TRUE(fs::is_directory(dir));

  auto again = RuntimeDir::acquire(dir);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(readFile(dir / "plexus-node.lock"), std::to_string(::getpid()) + "\n");
}

TEST_F(RuntimeDirTest, MovedFromInstanceDoesNotReleaseTheLock) {
  const fs::path dir = base / "moved";
  auto acquired = RuntimeDir::acquire(dir);
  ASSERT_TRUE(acquired.ok());
  std::optional<RuntimeDir> holder;
  {
    RuntimeDir moved(std::move(*acquired));
    holder.emplace(std::move(moved));
  }  // `moved` (now empty) is destroyed here
  EXPECT_TRUE(fs::exists(dir / "plexus-node.lock"));
  EXPECT_FALSE(RuntimeDir::acquire(dir).ok());
  holder.reset();
  EXPECT_TRUE(RuntimeDir::acquire(dir).ok());
}

TEST_F(RuntimeDirTest, StaleLockFileOfADeadNodeIsTakenOver) {
  const fs::path dir = base / "stale";
  ASSERT_TRUE(fs::create_directories(dir));
  std::ofstream(dir / "plexus-node.lock") << "999999999\n";  // nobody holds the flock
  auto acquired = RuntimeDir::acquire(dir);
  ASSERT_TRUE(acquired.ok()) << acquired.error().message;
  EXPECT_EQ(readFile(dir / "plexus-node.lock"), std::to_string(::getpid()) + "\n");
}

TEST_F(RuntimeDirTest, RegularFileIsNotARuntimeDir) {
  const fs::path file = base / "a-file";
  std::ofstream(file) << "not a directory";
  auto acquired = RuntimeDir::acquire(file);
  ASSERT_FALSE(acquired.ok());
  EXPECT_NE(acquired.error().message.find(file.string()), std::string::npos)
      << acquired.error().message;
  EXPECT_EQ(readFile(file), "not a directory");  // left untouched

  // Nor is a path below a regular file.
  EXPECT_FALSE(RuntimeDir::acquire(file / "below").ok());
}

}  // namespace
}  // namespace plexus::host
