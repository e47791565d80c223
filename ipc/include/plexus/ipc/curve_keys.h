#pragma once

// CURVE key files (remote modules, docs/security.md "Key files"): ZeroMQ's own text form, one
// line holding the 40-character Z85 encoding of a 32-byte Curve25519 key, optionally followed
// by one newline. `NAME.key` holds the secret key and must be readable by its owner only (mode
// 0600: the readers refuse any group or other permission bit); `NAME.pub` holds the public key
// (0644). Errors are Result values whose message names the file.
// Thread rule: pure functions (they touch only the files they are given).

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "plexus/ipc/result.h"

namespace plexus::ipc {

inline constexpr std::size_t kZ85KeyLength = 40;

// Whether this libzmq was built with CURVE (zmq_has("curve")).
bool curveAvailable();
// An error saying that this libzmq lacks CURVE; ok when it has it.
Status requireCurve();

// `key` is 40 characters of the Z85 alphabet that decode to 32 bytes. `what` names the key in
// the message ("public_key", "key file '/etc/plexus/node.key'").
Status checkZ85Key(std::string_view key, std::string_view what);

Result<std::string> readPublicKeyFile(const std::filesystem::path& path);
// Also refuses a file that is not regular or whose mode has any of 077 set (naming the mode).
Result<std::string> readSecretKeyFile(const std::filesystem::path& path);

// The Z85 public key of a Z85 secret key (zmq_curve_public).
Result<std::string> publicKeyOf(std::string_view secretKey);

struct KeyPairFiles {
  std::filesystem::path secretFile;  // DIR/NAME.key, 0600
  std::filesystem::path publicFile;  // DIR/NAME.pub, 0644
  std::string publicKey;             // Z85
};

// A name for key files: [A-Za-z0-9_-][A-Za-z0-9._-]{0,63} (no path, no leading dot).
Status checkKeyName(std::string_view name);

// Generates a key pair (zmq_curve_keypair) and writes DIR/NAME.key and DIR/NAME.pub. Refuses to
// overwrite either file; the secret file is created 0600 (O_CREAT|O_EXCL, mode 0600), so it is
// never readable by others, not even briefly. On any failure neither file is left behind.
Result<KeyPairFiles> writeKeyPair(const std::filesystem::path& dir, std::string_view name);

}  // namespace plexus::ipc
