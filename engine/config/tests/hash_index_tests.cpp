#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "config/hash_index.hpp"
#include "core/text.hpp"

using namespace mailflow;
using namespace mailflow::config;

BOOST_AUTO_TEST_SUITE(hash_index_suite)

BOOST_AUTO_TEST_CASE(grows_finds_every_key_and_keeps_the_first_duplicate) {
  std::vector<std::string> keys;
  for (int i = 0; i < 5000; ++i) keys.push_back("User" + std::to_string(i % 4000));  // 1000 duplicates
  hash_index idx;  // no reserve: exercises growth
  for (std::size_t i = 0; i < keys.size(); ++i) {
    auto kept = idx.insert(hash_lower(keys[i]), i, [&](std::size_t j) { return iequals(keys[j], keys[i]); });
    BOOST_TEST(kept == (i < 4000 ? i : i - 4000));
  }
  BOOST_TEST(idx.size() == 4000u);
  for (int i = 0; i < 4000; ++i) {
    std::string probe = "USER" + std::to_string(i);
    auto found = idx.find(hash_lower(probe), [&](std::size_t j) { return iequals(keys[j], probe); });
    BOOST_REQUIRE(found.has_value());
    BOOST_TEST(*found == static_cast<std::size_t>(i));
  }
  std::string missing = "user4000";
  BOOST_TEST(!idx.find(hash_lower(missing), [&](std::size_t j) { return iequals(keys[j], missing); }));
  BOOST_TEST(!hash_index{}.find(1, [](std::size_t) { return true; }));
}

BOOST_AUTO_TEST_CASE(two_part_hash_is_case_insensitive_and_separates_parts) {
  BOOST_TEST(hash_lower("Cop", "HUNET.jp") == hash_lower("cop", "hunet.jp"));
  BOOST_TEST(hash_lower("co", "phunet.jp") != hash_lower("cop", "hunet.jp"));
  BOOST_TEST(hash_lower("hunet.jp") == hash_lower("Hunet.JP"));
}

BOOST_AUTO_TEST_SUITE_END()
