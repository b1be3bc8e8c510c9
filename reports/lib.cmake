# mailflow_reports: the XML, JUnit and HTML writers over run_result.
add_library(mailflow_reports STATIC
  run_result.cpp text_escape.cpp xml_report.cpp junit_report.cpp html_report.cpp)
target_include_directories(mailflow_reports PUBLIC ${PROJECT_SOURCE_DIR}/reports ${PROJECT_SOURCE_DIR})
target_link_libraries(mailflow_reports PUBLIC mailflow_core PRIVATE pugixml::pugixml)
