// CURVE key files (plexus/ipc/curve_keys.h): a written pair reads back and matches, the modes are
// 0600 and 0644 whatever the umask, nothing is overwritten, and every malformed or exposed file
// is refused with a message naming it.

#include "plexus/ipc/curve_keys.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "temp_dir.h"

namespace plexus::ipc {
namespace {

using test::TempDir;

// A valid key that is not any pair's: the Z85 test vector of the ZeroMQ RFC 32 is 10 bytes, so
// this one is 40 characters of the alphabet that decode.
constexpr const char* kValidKey = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";

mode_t modeOf(const std::filesystem::path& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 07777;
}

std::filesystem::path writeFile(const TempDir& dir, const std::string& name,
                                const std::string& text, mode_t mode) {
  auto path = dir / name;
  std::ofstream(path, std::ios::binary) << text;
  EXPECT_EQ(::chmod(path.c_str(), mode), 0);
  return path;
}

void expectError(const Result<std::string>& result, v1::ErrorCode code,
                 std::initializer_list<std::string> fragments) {
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, code) << result.error().message;
  for (const auto& fragment : fragments) {
    EXPECT_NE(result.error().message.find(fragment), std::string::npos)
        << "'" << result.error().message << "' lacks '" << fragment << "'";
  }
}

TEST(CurveKeysTest, LibzmqHasCurve) {
  // Debian's libzmq5 is built with libsodium; the rest of this suite relies on it.
  EXPECT_TRUE(curveAvailable());
  EXPECT_TRUE(requireCurve().ok());
}

TEST(CurveKeysTest, WrittenPairReadsBackAndMatches) {
  TempDir dir("ck-");
  const mode_t old = ::umask(077);  // the public file is still 0644
  auto files = writeKeyPair(dir.path(), "node");
  ::umask(old);
  ASSERT_TRUE(files.ok()) << files.error().message;
  EXPECT_EQ(files->secretFile, dir / "node.key");
  EXPECT_EQ(files->publicFile, dir / "node.pub");
  EXPECT_EQ(modeOf(files->secretFile), 0600u);
  EXPECT_EQ(modeOf(files->publicFile), 0644u);
  auto secret = readSecretKeyFile(files->secretFile);
  ASSERT_TRUE(secret.ok()) << secret.error().message;
  auto publicKey = readPublicKeyFile(files->publicFile);
  ASSERT_TRUE(publicKey.ok()) << publicKey.error().message;
  EXPECT_EQ(*publicKey, files->publicKey);
  EXPECT_EQ(publicKey->size(), kZ85KeyLength);
  auto derived = publicKeyOf(*secret);
  ASSERT_TRUE(derived.ok()) << derived.error().message;
  EXPECT_EQ(*derived, files->publicKey);
  EXPECT_NE(*secret, *publicKey);
}

TEST(CurveKeysTest, TwoPairsDiffer) {
  TempDir dir("ck-");
  auto a = writeKeyPair(dir.path(), "a");
  auto b = writeKeyPair(dir.path(), "b");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->publicKey, b->publicKey);
}

TEST(CurveKeysTest, ExistingFilesAreNeverOverwritten) {
  TempDir dir("ck-");
  ASSERT_TRUE(writeKeyPair(dir.path(), "node").ok());
  const auto before = readSecretKeyFile(dir / "node.key");
  auto again = writeKeyPair(dir.path(), "node");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, v1::ERROR_CODE_ALREADY_EXISTS);
  EXPECT_NE(again.error().message.find("node.key"), std::string::npos) << again.error().message;
  EXPECT_EQ(*readSecretKeyFile(dir / "node.key"), *before);

  // Only the .pub exists: refused, and the .key it created is removed again.
  writeFile(dir, "other.pub", std::string(kValidKey) + "\n", 0644);
  auto other = writeKeyPair(dir.path(), "other");
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.error().message.find("other.pub"), std::string::npos) << other.error().message;
  EXPECT_FALSE(std::filesystem::exists(dir / "other.key"));
  EXPECT_EQ(*readPublicKeyFile(dir / "other.pub"), kValidKey);
}

TEST(CurveKeysTest, BadNamesAndDirectoriesAreRefused) {
  TempDir dir("ck-");
  for (const char* name : {"", ".hidden", "../up", "a/b", "sp ace"}) {
    auto files = writeKeyPair(dir.path(), name);
    ASSERT_FALSE(files.ok()) << name;
    EXPECT_NE(files.error().message.find("key name"), std::string::npos) << name;
  }
  auto missing = writeKeyPair(dir / "absent", "node");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, v1::ERROR_CODE_NOT_FOUND);
}

TEST(CurveKeysTest, SecretFileReadableByOthersIsRefusedNamingPathAndMode) {
  TempDir dir("ck-");
  for (mode_t mode : {0644, 0640, 0604, 0660, 0601}) {
    const auto path = writeFile(dir, "node.key", std::string(kValidKey) + "\n", mode);
    char text[8];
    std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode));
    expectError(readSecretKeyFile(path), v1::ERROR_CODE_PERMISSION_DENIED,
                {path.string(), text, "0600"});
    // A public key file may be world-readable.
    EXPECT_TRUE(readPublicKeyFile(path).ok()) << text;
  }
  const auto path = writeFile(dir, "ok.key", std::string(kValidKey) + "\n", 0400);
  EXPECT_TRUE(readSecretKeyFile(path).ok());
}

TEST(CurveKeysTest, MalformedFilesAreRefused) {
  TempDir dir("ck-");
  const std::string key = kValidKey;
  struct Case {
    std::string text;
    std::string fragment;
  };
  const Case cases[] = {
      {"", "not 0 characters"},
      {key.substr(0, 39) + "\n", "not 39 characters"},
      {key.substr(0, 39), "not 39 characters"},
      {key + "\n\n", "data after the key"},
      {key + " ", "data after the key"},
      {key + "\r\n", "data after the key"},
      {key + "\n" + key + "\n", "data after the key"},
      {"\n" + key, "not 41 characters"},
      {key.substr(0, 39) + "~\n", "outside the Z85 alphabet"},
      {key.substr(0, 39) + "\"", "outside the Z85 alphabet"},
      {"#####" + key.substr(5), "overflows"},  // '#' = 84: 84*85^4+... > 2^32
      {std::string(200, 'a'), "data after the key"},
      {std::string(200, '~'), "not 129 characters"},
  };
  for (const auto& c : cases) {
    const auto path = writeFile(dir, "bad.key", c.text, 0600);
    expectError(readSecretKeyFile(path), v1::ERROR_CODE_INVALID_ARGUMENT,
                {path.string(), c.fragment});
    expectError(readPublicKeyFile(path), v1::ERROR_CODE_INVALID_ARGUMENT, {c.fragment});
  }
  // Without the newline is fine too.
  EXPECT_EQ(*readPublicKeyFile(writeFile(dir, "plain.pub", key, 0644)), key);
}

TEST(CurveKeysTest, MissingAndNonRegularFilesAreRefused) {
  TempDir dir("ck-");
  expectError(readSecretKeyFile(dir / "absent.key"), v1::ERROR_CODE_NOT_FOUND,
              {"absent.key", "No such file"});
  std::filesystem::create_directory(dir / "dir.key");
  ::chmod((dir / "dir.key").c_str(), 0700);
  expectError(readSecretKeyFile(dir / "dir.key"), v1::ERROR_CODE_INVALID_ARGUMENT,
              {"dir.key", "not a regular file"});
}

TEST(CurveKeysTest, CheckZ85KeyAndPublicKeyOfRefuseBadKeys) {
  EXPECT_TRUE(checkZ85Key(kValidKey, "public_key").ok());
  auto shortKey = checkZ85Key("abc", "public_key");
  ASSERT_FALSE(shortKey.ok());
  EXPECT_NE(shortKey.error().message.find("public_key must hold a 40-character Z85 key"),
            std::string::npos);
  EXPECT_FALSE(publicKeyOf("abc").ok());
  EXPECT_FALSE(publicKeyOf(std::string(40, '~')).ok());
}

}  // namespace
}  // namespace plexus::ipc
