#define BOOST_TEST_MODULE verify_tests
#include <boost/test/unit_test.hpp>
