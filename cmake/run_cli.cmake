# Runs the mailflow binary once and checks what it did (the CTest entries
# made by mailflow_cli_test in the top CMakeLists.txt). cmake -P with:
#   MAILFLOW       the binary
#   ARGS           its arguments, separated by '|'; @WORK@ is a fresh folder for
#                  this test, @SAMPLE@ XMail's sample MailRoot, @OPEN_CTRL@ a copy
#                  of the hunet fixture whose CTRL port is open to all
#   WORK           the folder behind @WORK@ (emptied first)
#   EXIT           the exit status expected
#   STDOUT_LINE    stdout must be exactly this one line
#   GOLDEN         stdout (or the file OUTPUT_FILE) must equal this file
#   OUTPUT_FILE    a file the command writes (relative to WORK), checked by GOLDEN/XMLLINT/JSON;
#                  without it XMLLINT and PYTHON check stdout
#   STDOUT_REGEX / STDERR_REGEX   must match
#   ABSENT         texts, separated by '|', that appear neither in stdout, stderr nor OUTPUT_FILE
#   XMLLINT        xmllint; with XML_SCHEMA the file is validated, else checked well-formed
#   PYTHON         python3, to check OUTPUT_FILE is JSON
#   NEED_SAMPLE    skip when XMail's sample MailRoot is absent (prints "skipped: …",
#                  which the test's SKIP_REGULAR_EXPRESSION turns into a skip)
#   SOURCE_DIR     the source tree (for @SAMPLE@ and @OPEN_CTRL@)
cmake_minimum_required(VERSION 3.25)

file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")

if(DEFINED ENV{MAILFLOW_SHARED_DIR} AND NOT "$ENV{MAILFLOW_SHARED_DIR}" STREQUAL "")
  set(sample "$ENV{MAILFLOW_SHARED_DIR}/reference/xmail-1.27-sample-mailroot")
else()
  get_filename_component(parent "${SOURCE_DIR}" DIRECTORY)
  set(sample "${parent}/shared/reference/xmail-1.27-sample-mailroot")
endif()
if(NEED_SAMPLE AND NOT IS_DIRECTORY "${sample}")
  message("skipped: no XMail sample MailRoot at ${sample}")
  return()
endif()

if(ARGS MATCHES "@OPEN_CTRL@")
  file(COPY "${SOURCE_DIR}/fixtures/mailroots/hunet" DESTINATION "${WORK}")
  file(RENAME "${WORK}/hunet" "${WORK}/open-ctrl")
  file(WRITE "${WORK}/open-ctrl/ctrl.ipmap.tab" "\"0.0.0.0\"\t\"0.0.0.0\"\t\"ALLOW\"\t1\n")
endif()

string(REPLACE "@WORK@" "${WORK}" ARGS "${ARGS}")
string(REPLACE "@SAMPLE@" "${sample}" ARGS "${ARGS}")
string(REPLACE "@OPEN_CTRL@" "${WORK}/open-ctrl" ARGS "${ARGS}")
string(REPLACE "|" ";" args "${ARGS}")

execute_process(COMMAND "${MAILFLOW}" ${args} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
set(shown "mailflow ${args}\nexit ${rc}\nstdout:\n${out}\nstderr:\n${err}")

if(NOT "${rc}" STREQUAL "${EXIT}")
  message(FATAL_ERROR "expected exit ${EXIT}\n${shown}")
endif()
if(DEFINED STDOUT_LINE AND NOT "${out}" STREQUAL "${STDOUT_LINE}\n")
  message(FATAL_ERROR "expected stdout '${STDOUT_LINE}'\n${shown}")
endif()
if(DEFINED STDOUT_REGEX AND NOT "${out}" MATCHES "${STDOUT_REGEX}")
  message(FATAL_ERROR "stdout does not match '${STDOUT_REGEX}'\n${shown}")
endif()
if(DEFINED STDERR_REGEX AND NOT "${err}" MATCHES "${STDERR_REGEX}")
  message(FATAL_ERROR "stderr does not match '${STDERR_REGEX}'\n${shown}")
endif()

set(checked "${out}")
if(DEFINED OUTPUT_FILE)
  if(NOT EXISTS "${WORK}/${OUTPUT_FILE}")
    message(FATAL_ERROR "no ${OUTPUT_FILE} written\n${shown}")
  endif()
  if(NOT "${out}" STREQUAL "")
    message(FATAL_ERROR "with -o nothing goes to stdout\n${shown}")
  endif()
  file(READ "${WORK}/${OUTPUT_FILE}" checked)
endif()
if(DEFINED ABSENT)
  string(REPLACE "|" ";" absent_texts "${ABSENT}")
  foreach(text IN LISTS absent_texts)
    string(FIND "${out}${err}${checked}" "${text}" at)
    if(NOT at EQUAL -1)
      message(FATAL_ERROR "'${text}' must not appear in the output\n${shown}")
    endif()
  endforeach()
endif()
if(DEFINED GOLDEN)
  file(READ "${GOLDEN}" expected)
  if(NOT "${checked}" STREQUAL "${expected}")
    file(WRITE "${WORK}/actual.txt" "${checked}")
    message(FATAL_ERROR "output differs from ${GOLDEN}; see ${WORK}/actual.txt "
                        "(diff -u ${GOLDEN} ${WORK}/actual.txt)\n${shown}")
  endif()
endif()
if(NOT DEFINED OUTPUT_FILE)
  set(OUTPUT_FILE stdout.txt)
  file(WRITE "${WORK}/stdout.txt" "${out}")
endif()
if(DEFINED XMLLINT)
  set(schema_args "")
  if(DEFINED XML_SCHEMA)
    set(schema_args --schema "${XML_SCHEMA}")
  endif()
  execute_process(COMMAND "${XMLLINT}" --noout ${schema_args} "${WORK}/${OUTPUT_FILE}"
                  RESULT_VARIABLE lint_rc ERROR_VARIABLE lint_err)
  if(NOT lint_rc EQUAL 0)
    message(FATAL_ERROR "xmllint rejects ${OUTPUT_FILE}: ${lint_err}")
  endif()
endif()
if(DEFINED PYTHON)
  execute_process(COMMAND "${PYTHON}" -m json.tool "${WORK}/${OUTPUT_FILE}"
                  RESULT_VARIABLE json_rc OUTPUT_QUIET ERROR_VARIABLE json_err)
  if(NOT json_rc EQUAL 0)
    message(FATAL_ERROR "${OUTPUT_FILE} is not JSON: ${json_err}")
  endif()
endif()
