#define BOOST_TEST_MODULE flow_tests
#include <boost/test/unit_test.hpp>
