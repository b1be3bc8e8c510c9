# A negative test of the layering check: plants one file (PLANT, a path from the
# tree's root, holding CONTENT) in a scratch tree and runs check_layering.cmake on
# it. EXPECT is the rule that must fail, or "pass" when the planted file is where
# the rule allows it (so the rule is not simply matching everything).
#
#   cmake -DWORK=DIR -DPLANT=engine/smtp/x.cpp -DCONTENT=... -DEXPECT=asio -P check_layering_plant.cmake
file(REMOVE_RECURSE ${WORK})
get_filename_component(dir ${WORK}/${PLANT} DIRECTORY)
file(MAKE_DIRECTORY ${dir})
file(WRITE ${WORK}/${PLANT} "// planted by the layering check's negative test\n${CONTENT}\n")
execute_process(COMMAND ${CMAKE_COMMAND} -DROOT=${WORK} -P ${CMAKE_CURRENT_LIST_DIR}/check_layering.cmake
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(EXPECT STREQUAL "pass")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "the check refused ${PLANT}, which its rule allows:\n${err}")
  endif()
else()
  if(rc EQUAL 0)
    message(FATAL_ERROR "the check passed with a planted '${CONTENT}' in ${PLANT}")
  endif()
  string(FIND "${err}" "[${EXPECT}] ${PLANT}:" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "the check failed, but not with rule ${EXPECT} on ${PLANT}:\n${err}")
  endif()
endif()
file(REMOVE_RECURSE ${WORK})
