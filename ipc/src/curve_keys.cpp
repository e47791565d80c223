#include "plexus/ipc/curve_keys.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace plexus::ipc {

namespace {

// At most this much is read: a key file is 40 or 41 bytes, anything longer is refused anyway.
constexpr std::size_t kReadLimit = 128;

constexpr std::string_view kZ85Alphabet =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

std::string octalMode(mode_t mode) {
  std::array<char, 8> text{};
  std::snprintf(text.data(), text.size(), "%04o", static_cast<unsigned>(mode & 07777));
  return text.data();
}

std::string quoted(const std::filesystem::path& path) {
  return "key file '" + path.string() + "'";
}

Error fileError(const std::filesystem::path& path, const std::string& action, int error) {
  const auto code = error == ENOENT                     ? v1::ERROR_CODE_NOT_FOUND
                    : error == EEXIST                   ? v1::ERROR_CODE_ALREADY_EXISTS
                    : error == EACCES || error == EPERM ? v1::ERROR_CODE_PERMISSION_DENIED
                                                        : v1::ERROR_CODE_INVALID_ARGUMENT;
  return makeError(code, "cannot " + action + " " + quoted(path) + ": " + std::strerror(error));
}

// Closes the descriptor it holds when it goes.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : m_fd(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (m_fd >= 0) ::close(m_fd);
  }
  int get() const { return m_fd; }

 private:
  int m_fd;
};

// Reads a key file: regular, and when `secret`, with no group or other permission bit.
Result<std::string> readKeyFile(const std::filesystem::path& path, bool secret) {
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (fd.get() < 0) return fileError(path, "open", errno);
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) return fileError(path, "stat", errno);
  if (!S_ISREG(info.st_mode)) {
    return makeError(v1::ERROR_CODE_INVALID_ARGUMENT, quoted(path) + " is not a regular file");
  }
  if (secret && (info.st_mode & 077) != 0) {
    return makeError(v1::ERROR_CODE_PERMISSION_DENIED,
                     "secret " + quoted(path) + " has mode " + octalMode(info.st_mode) +
                         ": group or others may read it; make it 0600 (chmod 600 '" +
                         path.string() + "')");
  }
  std::string text(kReadLimit + 1, '\0');
  std::size_t filled = 0;
  while (filled < text.size()) {
    const ssize_t n = ::read(fd.get(), text.data() + filled, text.size() - filled);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fileError(path, "read", errno);
    if (n == 0) break;
    filled += static_cast<std::size_t>(n);
  }
  text.resize(filled);
  if (!text.empty() && text.back() == '\n') text.pop_back();  // the one newline allowed
  if (text.size() > kZ85KeyLength && checkZ85Key(text.substr(0, kZ85KeyLength), "").ok()) {
    return makeError(v1::ERROR_CODE_INVALID_ARGUMENT,
                     quoted(path) + " has data after the key (only one newline may follow it)");
  }
  if (auto status = checkZ85Key(text, quoted(path)); !status) return status.error();
  return text;
}

}  // namespace

bool curveAvailable() {
  return zmq_has("curve") != 0;
}

Status requireCurve() {
  if (curveAvailable()) return {};
  return makeError(v1::ERROR_CODE_UNAVAILABLE,
                   "this libzmq was built without CURVE (zmq_has(\"curve\") is false): remote "
                   "modules and key generation need a libzmq with libsodium or tweetnacl");
}

Status checkZ85Key(std::string_view key, std::string_view what) {
  const std::string prefix = what.empty() ? std::string("key") : std::string(what);
  if (key.size() != kZ85KeyLength) {
    return makeError(v1::ERROR_CODE_INVALID_ARGUMENT,
                     prefix + " must hold a 40-character Z85 key, not " +
                         std::to_string(key.size()) + " characters");
  }
  for (char c : key) {
    if (kZ85Alphabet.find(c) == std::string_view::npos) {
      return makeError(v1::ERROR_CODE_INVALID_ARGUMENT,
                       prefix + " is not Z85: it holds a character outside the Z85 alphabet");
    }
  }
  const std::string text(key);
  std::array<std::uint8_t, 32> bytes{};
  if (zmq_z85_decode(bytes.data(), text.c_str()) == nullptr) {
    return makeError(v1::ERROR_CODE_INVALID_ARGUMENT,
                     prefix + " is not Z85: a group of 5 characters overflows 32 bits");
  }
  return {};
}

Result<std::string> readPublicKeyFile(const std::filesystem::path& path) {
  return readKeyFile(path, false);
}

Result<std::string> readSecretKeyFile(const std::filesystem::path& path) {
  return readKeyFile(path, true);
}

Result<std::string> publicKeyOf(std::string_view secretKey) {
  if (auto status = requireCurve(); !status) return status.error();
  if (auto status = checkZ85Key(secretKey, "secret key"); !status) return status.error();
  const std::string secret(secretKey);
  std::array<char, kZ85KeyLength + 1> publicKey{};
  if (zmq_curve_public(publicKey.data(), secret.c_str()) != 0) {
    return makeError(v1::ERROR_CODE_INTERNAL,
                     std::string("zmq_curve_public failed: ") + zmq_strerror(zmq_errno()));
  }
  return std::string(publicKey.data());
}

Status checkKeyName(std::string_view name) {
  constexpr std::string_view kExtra = "._-";
  const bool valid = !name.empty() && name.size() <= 64 && name.front() != '.' &&
                     std::all_of(name.begin(), name.end(), [&](char c) {
                       const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                          (c >= '0' && c <= '9');
                       return alnum || kExtra.find(c) != std::string_view::npos;
                     });
  if (valid) return {};
  return makeError(v1::ERROR_CODE_INVALID_ARGUMENT,
                   "key name '" + std::string(name) +
                       "' is invalid: 1 to 64 of A-Z a-z 0-9 . _ -, not starting with '.'");
}

Result<KeyPairFiles> writeKeyPair(const std::filesystem::path& dir, std::string_view name) {
  if (auto status = requireCurve(); !status) return status.error();
  if (auto status = checkKeyName(name); !status) return status.error();
  std::array<char, kZ85KeyLength + 1> publicKey{};
  std::array<char, kZ85KeyLength + 1> secretKey{};
  if (zmq_curve_keypair(publicKey.data(), secretKey.data()) != 0) {
    return makeError(v1::ERROR_CODE_INTERNAL,
                     std::string("zmq_curve_keypair failed: ") + zmq_strerror(zmq_errno()));
  }
  KeyPairFiles files{dir / (std::string(name) + ".key"), dir / (std::string(name) + ".pub"),
                     publicKey.data()};
  const auto secretText = std::string(secretKey.data()) + "\n";
  const auto publicText = files.publicKey + "\n";
  explicit_bzero(secretKey.data(), secretKey.size());
  // Both are created exclusively before either is written: an existing file stops everything.
  constexpr int kFlags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
  FileDescriptor secretFd(::open(files.secretFile.c_str(), kFlags, 0600));
  if (secretFd.get() < 0) return fileError(files.secretFile, "create", errno);
  FileDescriptor publicFd(::open(files.publicFile.c_str(), kFlags, 0644));
  if (publicFd.get() < 0) {
    const int error = errno;
    ::unlink(files.secretFile.c_str());
    return fileError(files.publicFile, "create", error);
  }
  auto writeAll = [](int fd, const std::string& text) {
    std::size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return false;
      done += static_cast<std::size_t>(n);
    }
    return ::fsync(fd) == 0;
  };
  // The umask may have narrowed the public file; it is meant to be shared.
  if (!writeAll(secretFd.get(), secretText) || ::fchmod(publicFd.get(), 0644) != 0 ||
      !writeAll(publicFd.get(), publicText)) {
    const int error = errno;
    ::unlink(files.secretFile.c_str());
    ::unlink(files.publicFile.c_str());
    return fileError(dir, "write the key pair in", error);
  }
  return files;
}

}  // namespace plexus::ipc
