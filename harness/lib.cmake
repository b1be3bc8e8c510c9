# mailflow_pattern: the scenarios' and import's regular expressions (Boost.Regex; pattern.hpp says why).
add_library(mailflow_pattern STATIC ${CMAKE_CURRENT_LIST_DIR}/pattern/pattern.cpp)
target_include_directories(mailflow_pattern PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(mailflow_pattern PUBLIC Boost::regex)

# mailflow_harness: scenarios and the replay runner (in-process and over TCP).
add_library(mailflow_harness STATIC
  ${CMAKE_CURRENT_LIST_DIR}/scenario/scenario.cpp
  ${CMAKE_CURRENT_LIST_DIR}/replay/mailroot_copy.cpp
  ${CMAKE_CURRENT_LIST_DIR}/replay/channel.cpp
  ${CMAKE_CURRENT_LIST_DIR}/replay/interrupt.cpp
  ${CMAKE_CURRENT_LIST_DIR}/replay/checks.cpp
  ${CMAKE_CURRENT_LIST_DIR}/replay/server_process.cpp
  ${CMAKE_CURRENT_LIST_DIR}/replay/scripted_client.cpp
  ${CMAKE_CURRENT_LIST_DIR}/replay/runner.cpp
  ${CMAKE_CURRENT_LIST_DIR}/replay/suite.cpp
  ${CMAKE_CURRENT_LIST_DIR}/replay/update.cpp)
target_include_directories(mailflow_harness PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(mailflow_harness PUBLIC mailflow_pattern mailflow_reports mailflow_smtp mailflow_env pugixml::pugixml Threads::Threads)

mailflow_add_test(harness_tests
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/tests/main.cpp ${CMAKE_CURRENT_LIST_DIR}/tests/scenario_tests.cpp
          ${CMAKE_CURRENT_LIST_DIR}/tests/runner_tests.cpp
  LIBS mailflow_harness)

# Over real TCP against a scripted server (--target, --server).
add_test(NAME replay_over_tcp
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/tests/tcp_replay_test.sh $<TARGET_FILE:mailflow>)

# The suite under scenarios/: valid, passing, deterministic across -j, readable failures.
add_test(NAME replay_suite_passes_and_is_deterministic
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/tests/suite_test.sh $<TARGET_FILE:mailflow> ${PROJECT_SOURCE_DIR})

# Seed 000 imported and replayed (skipped without ../shared).
add_test(NAME import_seed_000_and_replay
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/tests/seed_import_test.sh $<TARGET_FILE:mailflow> ${PROJECT_SOURCE_DIR})
set_tests_properties(import_seed_000_and_replay PROPERTIES SKIP_REGULAR_EXPRESSION "skipped: ")

# Issue 10.3: raw and pipelined AUTH credentials reach no report and no terminal line.
add_test(NAME auth_secrets_stay_out_of_reports
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/tests/secrets_test.sh $<TARGET_FILE:mailflow> ${PROJECT_SOURCE_DIR})

# Issue 10.9: no temporary MailRoot path in any report (a symbolic TMPDIR too); byte-identical runs.
add_test(NAME replay_reports_hold_no_temp_path
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/tests/temp_paths_test.sh $<TARGET_FILE:mailflow> ${PROJECT_SOURCE_DIR})

# Issue 10.10: a hostile server's escapes and bidi controls reach neither the terminal nor a report raw.
add_test(NAME replay_escapes_hostile_replies
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/tests/hostile_terminal_test.sh $<TARGET_FILE:mailflow> ${PROJECT_SOURCE_DIR})
