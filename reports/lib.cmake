# mailflow_reports: the XML, JUnit and HTML writers over run_result.
add_library(mailflow_reports STATIC
  run_result.cpp text_escape.cpp xml_report.cpp junit_report.cpp html_report.cpp)
target_include_directories(mailflow_reports PUBLIC ${PROJECT_SOURCE_DIR}/reports ${PROJECT_SOURCE_DIR})
target_link_libraries(mailflow_reports PUBLIC mailflow_core PRIVATE pugixml::pugixml)

# mailflow_verify_output: the text, XML (verify-report.xsd), JUnit and SARIF forms of a
# `mailflow verify` report, over the plain findings of engine/verify.
add_library(mailflow_verify_output STATIC verify_output.cpp)
target_include_directories(mailflow_verify_output PUBLIC ${PROJECT_SOURCE_DIR}/reports ${PROJECT_SOURCE_DIR})
target_link_libraries(mailflow_verify_output PUBLIC mailflow_verify PRIVATE pugixml::pugixml)

# The schema test validates with xmllint when the machine has it.
find_program(MAILFLOW_XMLLINT xmllint)
mailflow_add_test(reports_tests
  SOURCES tests/main.cpp tests/sample_run.cpp tests/xml_tests.cpp tests/junit_tests.cpp tests/html_tests.cpp
          tests/verify_output_tests.cpp
  LIBS mailflow_reports mailflow_verify_output pugixml::pugixml)
target_compile_definitions(reports_tests PRIVATE MAILFLOW_XMLLINT="${MAILFLOW_XMLLINT}")
