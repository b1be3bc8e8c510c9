#include "replay/suite.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

namespace mailflow::harness {

namespace fs = std::filesystem;

bool collect_scenarios(const std::vector<std::string>& paths, std::vector<std::string>& files, std::string& error) {
  std::set<std::string> found;
  for (auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      for (auto it = fs::recursive_directory_iterator(p, ec); !ec && it != fs::recursive_directory_iterator();
           it.increment(ec)) {
        if (it->is_regular_file() && it->path().extension() == ".xml")
          found.insert(it->path().lexically_normal().generic_string());
      }
      if (ec) {
        error = p + ": " + ec.message();
        return false;
      }
    } else if (fs::is_regular_file(p, ec)) {
      found.insert(fs::path(p).lexically_normal().generic_string());
    } else {
      error = p + ": no such scenario file or folder";
      return false;
    }
  }
  files.assign(found.begin(), found.end());
  return true;
}

std::vector<std::string> select_scenarios(const std::vector<std::string>& files, const std::string& glob,
                                          std::optional<std::pair<int, int>> shard) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (shard && static_cast<int>(i % static_cast<std::size_t>(shard->second)) != shard->first - 1) continue;
    if (!glob.empty() && ::fnmatch(glob.c_str(), files[i].c_str(), 0) != 0) continue;
    out.push_back(files[i]);
  }
  return out;
}

reports::run_result run_suite(const std::vector<std::string>& files, const suite_options& options,
                              const std::function<void(std::size_t, std::size_t, const reports::scenario_result&)>&
                                  on_done) {
  std::vector<std::optional<reports::scenario_result>> results(files.size());
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};
  std::mutex lock;
  std::size_t done = 0;
  auto worker = [&] {
    for (;;) {
      if (stop) return;
      std::size_t i = next++;
      if (i >= files.size()) return;
      auto r = run_scenario(files[i], files[i], options.run);
      std::lock_guard<std::mutex> g(lock);
      if (options.fail_fast && r.status != "passed") stop = true;
      ++done;
      if (on_done) on_done(done, files.size(), r);
      results[i] = std::move(r);
    }
  };
  int jobs = std::max(1, std::min<int>(options.jobs, static_cast<int>(files.size())));
  std::vector<std::thread> threads;
  for (int j = 1; j < jobs; ++j) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  reports::run_result run;
  run.tool_version = "mailflow 0.1";
  for (auto& r : results)
    if (r) run.scenarios.push_back(std::move(*r));
  return run;
}

}  // namespace mailflow::harness
