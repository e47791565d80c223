# plexus_target_defaults(<target>): warnings (as errors unless PLEXUS_WERROR=OFF) and the
# sanitizer/fuzzer instrumentation chosen for this build tree. Called for every target we own.
add_library(plexus_build_flags INTERFACE)
target_compile_options(plexus_build_flags INTERFACE -Wall -Wextra -Wpedantic
                       $<$<BOOL:${PLEXUS_WERROR}>:-Werror>
                       # GCC 12 reports `"literal" + std::string` at -O2+ as an overlapping
                       # memcpy (false positive, https://gcc.gnu.org/bugzilla/show_bug.cgi?id=105329)
                       $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>)
if(PLEXUS_SANITIZE)
  target_compile_options(plexus_build_flags INTERFACE -fsanitize=address,undefined
                         -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(plexus_build_flags INTERFACE -fsanitize=address,undefined)
endif()

function(plexus_target_defaults target)
  target_link_libraries(${target} PRIVATE $<BUILD_INTERFACE:plexus_build_flags>)
endfunction()
