// A replay run over many scenarios: collection (files and folders, sorted),
// selection (--filter, --shard), parallel workers (-j) whose results land in
// path order, so the report does not depend on scheduling; and --update.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "replay/runner.hpp"
#include "run_result.hpp"

namespace mailflow::harness {

// Scenario files under `paths` ('/'-separated display paths, sorted, unique).
// Fails (returns false, `error` set) on a path that does not exist.
bool collect_scenarios(const std::vector<std::string>& paths, std::vector<std::string>& files, std::string& error);

// --filter GLOB (fnmatch on the path; '*' crosses '/') and --shard I/N (1-based, over the sorted list).
std::vector<std::string> select_scenarios(const std::vector<std::string>& files, const std::string& glob,
                                          std::optional<std::pair<int, int>> shard);

struct suite_options {
  int jobs = 1;
  bool fail_fast = false;
  run_options run;
};

// Runs the scenarios; `on_done` (called under a lock, in completion order) drives a progress line.
// With fail_fast, scenarios not yet started when one fails are left out.
reports::run_result run_suite(const std::vector<std::string>& files, const suite_options& options,
                              const std::function<void(std::size_t done, std::size_t total,
                                                       const reports::scenario_result&)>& on_done);

// --update: rewrites the reply expectations of the failing steps of `result`
// in its scenario file from what happened. Returns the number of steps
// changed; `error` is set when the file cannot be rewritten.
int update_scenario(const reports::scenario_result& result, std::string& error);

}  // namespace mailflow::harness
