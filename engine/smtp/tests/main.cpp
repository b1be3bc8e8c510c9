#define BOOST_TEST_MODULE smtp_tests
#include <boost/test/unit_test.hpp>
