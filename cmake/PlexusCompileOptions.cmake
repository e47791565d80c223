# PLEXUS_PCH: the targets with many sources precompile the standard, third-party and generated
# protobuf headers most of those sources include (plexus_precompile_headers), which parsing every
# source again took about half of the build's CPU time (docs/performance.md "Build time").
# Sources still include what they use: scripts/lint parses every source without the precompiled
# header, so an include that is missing fails there.
option(PLEXUS_PCH "Precompile the common headers of the targets with many sources" ON)

# PLEXUS_UNITY: every target compiles its sources in batches of PLEXUS_UNITY_BATCH, one
# translation unit per batch (CMake's unity build), so the headers and the inline code the sources
# share are compiled once per batch instead of once per source (docs/performance.md "Build
# time"). Names at namespace scope must then be unique across a target's sources, anonymous
# namespaces included. scripts/lint still checks every source on its own.
option(PLEXUS_UNITY "Compile each target's sources in batches (unity build)" ON)
set(PLEXUS_UNITY_BATCH 8 CACHE STRING "Sources per translation unit with PLEXUS_UNITY")
set(CMAKE_UNITY_BUILD ${PLEXUS_UNITY})
set(CMAKE_UNITY_BUILD_BATCH_SIZE ${PLEXUS_UNITY_BATCH})

# plexus_target_defaults(<target>): warnings (as errors unless PLEXUS_WERROR=OFF) and the
# sanitizer/fuzzer instrumentation chosen for this build tree. Called for every target we own.
add_library(plexus_build_flags INTERFACE)
target_compile_options(plexus_build_flags INTERFACE -Wall -Wextra -Wpedantic
                       $<$<BOOL:${PLEXUS_WERROR}>:-Werror>
                       # GCC 12 reports `"literal" + std::string` at -O2+ as an overlapping
                       # memcpy (false positive, https://gcc.gnu.org/bugzilla/show_bug.cgi?id=105329)
                       $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>
                       # The same family: with a precompiled header (PLEXUS_PCH) GCC 12 loses the
                       # system-header status of the standard headers in it and reports the
                       # inlined memcpy of std::string there as -Wstringop-overflow and
                       # -Warray-bounds too (105651), which it keeps quiet about without one.
                       $<$<AND:$<CXX_COMPILER_ID:GNU>,$<BOOL:${PLEXUS_PCH}>>:-Wno-stringop-overflow
                       -Wno-array-bounds>)
# Thread-rule checks (PLEXUS_ASSERT_THREAD, plexus/ipc/thread_checker.h): debug and sanitizer
# builds; compiled out in Release. Clang checks the lock annotations (thread_annotations.h).
option(PLEXUS_THREAD_CHECKS "Assert thread rules at run time" ${PLEXUS_SANITIZE})
target_compile_definitions(plexus_build_flags INTERFACE
                           $<$<OR:$<BOOL:${PLEXUS_THREAD_CHECKS}>,$<CONFIG:Debug>>:PLEXUS_THREAD_CHECKS=1>)
target_compile_options(plexus_build_flags INTERFACE
                       $<$<CXX_COMPILER_ID:Clang>:-Wthread-safety>)
if(PLEXUS_SANITIZE)
  target_compile_options(plexus_build_flags INTERFACE -fsanitize=address,undefined
                         -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(plexus_build_flags INTERFACE -fsanitize=address,undefined)
endif()

function(plexus_target_defaults target)
  target_link_libraries(${target} PRIVATE $<BUILD_INTERFACE:plexus_build_flags>)
endfunction()

# PLEXUS_FUZZ: every target we own is instrumented for libFuzzer's coverage feedback
# (-fsanitize=fuzzer-no-link, on top of the PLEXUS_SANITIZE flags when those are on); only the
# fuzz executables link libFuzzer itself (-fsanitize=fuzzer, tests/fuzz/CMakeLists.txt). The
# link flag pulls in the runtime behind the coverage hooks when no sanitizer does.
if(PLEXUS_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "PLEXUS_FUZZ=ON needs clang with libFuzzer, not ${CMAKE_CXX_COMPILER_ID}: "
                        "configure with -DCMAKE_CXX_COMPILER=clang++ (Debian packages clang and "
                        "libclang-rt-14-dev)")
  endif()
  include(CheckCXXSourceCompiles)
  set(CMAKE_REQUIRED_FLAGS -fsanitize=fuzzer)
  set(CMAKE_REQUIRED_LINK_OPTIONS -fsanitize=fuzzer)
  check_cxx_source_compiles(
      "#include <cstddef>\n#include <cstdint>\n
       extern \"C\" int LLVMFuzzerTestOneInput(const std::uint8_t*, std::size_t) { return 0; }"
      PLEXUS_HAVE_LIBFUZZER)
  unset(CMAKE_REQUIRED_FLAGS)
  unset(CMAKE_REQUIRED_LINK_OPTIONS)
  if(NOT PLEXUS_HAVE_LIBFUZZER)
    message(FATAL_ERROR "PLEXUS_FUZZ=ON: ${CMAKE_CXX_COMPILER} cannot link -fsanitize=fuzzer "
                        "(Debian: install libclang-rt-14-dev)")
  endif()
  target_compile_options(plexus_build_flags INTERFACE -fsanitize=fuzzer-no-link)
  target_link_options(plexus_build_flags INTERFACE -fsanitize=fuzzer-no-link)
endif()

set(PLEXUS_PCH_HEADERS
    <algorithm> <array> <atomic> <chrono> <cstdint> <deque> <filesystem> <fstream> <functional>
    <future> <map> <memory> <mutex> <optional> <set> <span> <sstream> <string> <string_view>
    <thread> <unordered_map> <utility> <variant> <vector>
    <zmq.hpp>
    <plexus/v1/config.pb.h> <plexus/v1/control.pb.h> <plexus/v1/events.pb.h>
    <plexus/v1/stats.pb.h> <plexus/v1/wire.pb.h>)

# plexus_precompile_headers(<target> [<header>...]): PLEXUS_PCH_HEADERS and the extra headers
# given (e.g. <gtest/gtest.h>), precompiled for <target> when PLEXUS_PCH is on.
function(plexus_precompile_headers target)
  if(PLEXUS_PCH)
    target_precompile_headers(${target} PRIVATE ${PLEXUS_PCH_HEADERS} ${ARGN})
  endif()
endfunction()
