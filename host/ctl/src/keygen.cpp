#include "plexus/ctl/keygen.h"

#include "plexus/ipc/curve_keys.h"

namespace plexus::ctl {

ExitCode runKeygen(const KeygenRequest& request, std::ostream& out, std::ostream& err) {
  auto files = ipc::writeKeyPair(request.dir, request.name);
  if (!files) {
    err << "plexusctl: keygen: " << files.error().message << "\n";
    return ExitCode::ErrorReply;
  }
  err << "wrote " << files->secretFile.string() << " (secret, 0600) and "
      << files->publicFile.string() << " (public)\n";
  out << files->publicKey << "\n";
  out.flush();
  return ExitCode::Ok;
}

}  // namespace plexus::ctl
