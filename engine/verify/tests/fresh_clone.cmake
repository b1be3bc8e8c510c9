# A fresh clone must verify exactly as the work tree: every fixture file is
# tracked, empty folders are held by .keep files, and programs keep their x bit.
# Exports the git index (what a commit of this tree holds) and compares
# `mailflow verify` on each fixture there and here. cmake -P with MAILFLOW,
# SOURCE_DIR, WORK, GIT; prints "skipped: …" outside a git checkout.
cmake_minimum_required(VERSION 3.25)

if(NOT GIT)
  message("skipped: git not found")
  return()
endif()
execute_process(COMMAND "${GIT}" -C "${SOURCE_DIR}" rev-parse --is-inside-work-tree
                RESULT_VARIABLE in_git OUTPUT_QUIET ERROR_QUIET)
if(NOT in_git EQUAL 0)
  message("skipped: ${SOURCE_DIR} is not a git checkout")
  return()
endif()

file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")
execute_process(COMMAND "${GIT}" -C "${SOURCE_DIR}" checkout-index -a -f "--prefix=${WORK}/"
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "git checkout-index failed: ${err}")
endif()

foreach(name hunet broken)
  execute_process(COMMAND "${MAILFLOW}" verify "${SOURCE_DIR}/fixtures/mailroots/${name}"
                  RESULT_VARIABLE here_rc OUTPUT_VARIABLE here_out)
  execute_process(COMMAND "${MAILFLOW}" verify "${WORK}/fixtures/mailroots/${name}"
                  RESULT_VARIABLE git_rc OUTPUT_VARIABLE git_out)
  if(NOT "${here_rc}" STREQUAL "${git_rc}" OR NOT "${here_out}" STREQUAL "${git_out}")
    message(FATAL_ERROR "fixtures/mailroots/${name} verifies differently from git (is every file added?)\n"
                        "work tree (exit ${here_rc}):\n${here_out}\nfrom git (exit ${git_rc}):\n${git_out}")
  endif()
endforeach()
