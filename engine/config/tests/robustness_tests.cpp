// Malformed .tab files of any kind (PRODUCT.md, quality bars): the seed
// fixture's tables mangled at random still load, and every problem is a
// diagnostic that names the file and a line inside it, never a crash.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <fstream>
#include <random>
#include <sstream>

#include "config/mailroot.hpp"
#include "temp_dir.hpp"

using namespace mailflow;
namespace fs = std::filesystem;

BOOST_AUTO_TEST_CASE(mangled_tables_are_diagnostics_never_crashes) {
  const fs::path fixture = fs::path(MAILFLOW_SOURCE_DIR) / "fixtures/mailroots/hunet";
  std::vector<std::string> tables;
  for (auto& e : fs::directory_iterator(fixture))
    if (e.path().extension() == ".tab") tables.push_back(e.path().filename().string());
  std::sort(tables.begin(), tables.end());
  BOOST_REQUIRE(tables.size() > 10u);

  std::mt19937 rng(1130);
  int with_errors = 0;
  for (int i = 0; i < 250; ++i) {
    testing::temp_dir t;
    fs::copy(fixture, t.path(), fs::copy_options::recursive);
    const std::string name = tables[rng() % tables.size()];
    std::ifstream in(t.path() / name, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    for (int e = 0, n = 1 + static_cast<int>(rng() % 6); e < n; ++e) {
      std::size_t at = text.empty() ? 0 : rng() % text.size();
      switch (rng() % 5) {
        case 0: if (!text.empty()) text[at] = static_cast<char>(rng() & 0xFF); break;
        case 1: text.insert(at, 1, "\"\t\n\r\0#,;:/*?"[rng() % 13]); break;
        case 2: text.erase(at, 1 + rng() % 10); break;
        case 3: text.insert(at, std::string(rng() % 3000, 'x')); break;
        default: text.resize(at); break;
      }
    }
    std::ofstream(t.path() / name, std::ios::binary | std::ios::trunc) << text;
    const auto lines = static_cast<std::uint32_t>(std::count(text.begin(), text.end(), '\n')) + 1;

    diagnostic_list diags;
    auto root = config::mailroot::load(t.path(), diags);
    BOOST_REQUIRE(root);
    for (auto& d : diags.items()) {
      BOOST_REQUIRE_MESSAGE(!d.file.empty(), "a diagnostic without a file: " << d.message);
      if (d.file == name) BOOST_REQUIRE_MESSAGE(d.line <= lines, format_diagnostic(d) << " past the end of " << name);
    }
    with_errors += diags.error_count() > 0;
  }
  BOOST_TEST(with_errors > 30);
}
