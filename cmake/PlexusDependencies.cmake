# Every dependency comes from a Debian package (see scripts/lib/deps.sh); nothing is downloaded.
find_package(Threads REQUIRED)
find_package(Protobuf REQUIRED)
find_package(cppzmq REQUIRED)  # also brings libzmq (target libzmq)
find_package(spdlog REQUIRED)
find_package(Boost 1.81 REQUIRED)  # Boost.Process v1, header-only
find_package(SQLite3 REQUIRED)  # the journal (host/src/journal), target SQLite::SQLite3
# sd_notify for systemd's Type=notify readiness (host/src/runtime/service_notifier.cpp).
find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBSYSTEMD REQUIRED IMPORTED_TARGET libsystemd)
