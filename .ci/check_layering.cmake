# The layering rules: every way out of the sans-I/O core has one place it may go
# (README.md, "Layout"). Each rule is a pattern and the files allowed to match it;
# a match anywhere else fails the check, naming the rule, the file and the line.
#
#   cmake -DROOT=SOURCE_TREE -P check_layering.cmake
#
# Tests (a tests/ folder) may write files, fork and open sockets to set up their
# cases, so only the include rules apply to them. Lines that start as comments
# are skipped. .ci/check_layering_plant.cmake plants a violation of each rule in a
# scratch tree and expects this check to fail (the negative tests).
if(NOT ROOT)
  message(FATAL_ERROR "usage: cmake -DROOT=SOURCE_TREE -P check_layering.cmake")
endif()

# name | pattern (CMake regex) | allowed files (CMake regex on the path from ROOT) | tests too
set(rules
  "asio|#include[ \t]*<boost/asio|^engine/net/|yes"
  "net-headers|#include[ \t]*\"(engine/)?net/|^engine/net/|^harness/cli/|yes"
  "pugixml|#include[ \t]*<pugixml|^harness/|^reports/|yes"
  "sockets|#include[ \t]*<(sys/socket|sys/un|netinet/[a-z_]+|netdb)\\.h>|(^|[^a-z_.>])(socket|getaddrinfo|accept4?)[ \t]*\\(|^engine/net/|^harness/replay/channel\\.cpp$|^harness/replay/server_process\\.cpp$|no"
  "processes|(^|[^a-z_.>])(fork|vfork|execvp?e?|execlp?e?|posix_spawnp?|system|popen)[ \t]*\\(|^engine/flow/posix_process_runner\\.(hpp|cpp)$|^harness/replay/server_process\\.cpp$|no"
  "file-writes|ofstream|(^|[^a-z_])fstream[ \t]|fopen[ \t]*\\(|O_WRONLY|O_RDWR|O_CREAT|(filesystem|fs)::(rename|remove|remove_all|create_directory|create_directories|copy|copy_file|create_symlink|create_hard_link|resize_file|permissions)[ \t]*\\(|(^|[^a-z_.>])(rename|unlink|unlinkat|mkdir|rmdir|truncate|ftruncate)[ \t]*\\(|^engine/config/file_writer\\.(hpp|cpp)$|^engine/config/mailroot_store\\.cpp$|^engine/delivery/|^engine/flow/(smtp_filters|auth_program|posix_process_runner)\\.cpp$|^harness/cli/|^harness/import/|^harness/replay/(mailroot_copy|update|runner|server_process)\\.cpp$|^fuzz/transcript_importer_fuzz\\.cpp$|no"
)

file(GLOB_RECURSE sources RELATIVE ${ROOT}
  ${ROOT}/engine/*.cpp ${ROOT}/engine/*.hpp ${ROOT}/engine/*.h
  ${ROOT}/harness/*.cpp ${ROOT}/harness/*.hpp ${ROOT}/reports/*.cpp ${ROOT}/reports/*.hpp
  ${ROOT}/fuzz/*.cpp ${ROOT}/fuzz/*.hpp)

set(failures "")
foreach(rule ${rules})
  # The last field is the tests flag, the first the name, the second the pattern
  # (patterns and allow lists may hold '|', so split from both ends).
  string(REGEX MATCH "^([a-z-]+)\\|" _ "${rule}")
  set(name ${CMAKE_MATCH_1})
  string(REGEX MATCH "\\|(yes|no)$" _ "${rule}")
  set(tests_too ${CMAKE_MATCH_1})
  string(LENGTH "${name}|" head)
  string(LENGTH "${rule}" total)
  string(LENGTH "|${tests_too}" tail)
  math(EXPR body_length "${total} - ${head} - ${tail}")
  string(SUBSTRING "${rule}" ${head} ${body_length} body)
  # The allow list starts at the first "|^": patterns never contain "|^".
  string(FIND "${body}" "|^" cut)
  string(SUBSTRING "${body}" 0 ${cut} pattern)
  math(EXPR allow_start "${cut} + 1")
  string(SUBSTRING "${body}" ${allow_start} -1 allowed)

  foreach(f ${sources})
    if(f MATCHES "${allowed}")
      continue()
    endif()
    if(tests_too STREQUAL "no" AND f MATCHES "(^|/)tests/")
      continue()
    endif()
    file(STRINGS ${ROOT}/${f} hits REGEX "${pattern}")
    foreach(line ${hits})
      string(STRIP "${line}" stripped)
      if(stripped MATCHES "^(//|\\*|/\\*)")
        continue()
      endif()
      list(APPEND failures "[${name}] ${f}: ${stripped}")
    endforeach()
  endforeach()
endforeach()

# No engine target may link pugixml (verify's writers live in reports/).
file(GLOB_RECURSE engine_cmake RELATIVE ${ROOT} ${ROOT}/engine/CMakeLists.txt ${ROOT}/engine/*.cmake)
foreach(f ${engine_cmake})
  file(STRINGS ${ROOT}/${f} hits REGEX "pugixml::")
  foreach(line ${hits})
    string(STRIP "${line}" stripped)
    if(NOT stripped MATCHES "^#")
      list(APPEND failures "[pugixml] ${f}: ${stripped}")
    endif()
  endforeach()
endforeach()

if(failures)
  list(JOIN failures "\n  " text)
  message(FATAL_ERROR "layering rules broken (README.md, Layout):\n  ${text}")
endif()
