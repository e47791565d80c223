# plexus_target_defaults(<target>): warnings (as errors unless PLEXUS_WERROR=OFF) and the
# sanitizer/fuzzer instrumentation chosen for this build tree. Called for every target we own.
add_library(plexus_build_flags INTERFACE)
target_compile_options(plexus_build_flags INTERFACE -Wall -Wextra -Wpedantic
                       $<$<BOOL:${PLEXUS_WERROR}>:-Werror>
                       # GCC 12 reports `"literal" + std::string` at -O2+ as an overlapping
                       # memcpy (false positive, https://gcc.gnu.org/bugzilla/show_bug.cgi?id=105329)
                       $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>)
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
