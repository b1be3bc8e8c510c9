// Runs one scenario and returns what happened as a reports::scenario_result:
// prepares the private MailRoot, drives each session's steps through a
// client_channel, checks every reply expectation as it goes, then the
// expected outcomes (stage decisions, filter invocations, spooled messages).
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "config/mailroot.hpp"
#include "delivery/mailbox_store.hpp"
#include "run_result.hpp"
#include "scenario/scenario.hpp"

namespace mailflow::harness {

struct run_options {
  enum class mode { in_process, target, server } how = mode::in_process;
  std::string target_host;             // --target
  int target_port = 0;
  std::string server_command;          // --server 'CMD {root} {smtp} {pop3} {ctrl}'
  int timeout_seconds = 0;             // --timeout; 0: none
  bool timings = false;                // --timings: wall times in the report
  std::chrono::milliseconds reply_patience{10000};  // how long a real server is given per reply
  // A scenario is code (harness/README.md, trust model): with confine_fixtures
  // (the CLI's default) its fixture= must lie in the scenario's project (the
  // nearest folder above it holding .git or fixtures/; else its own folder)
  // or in one of allowed_fixture_roots (--allow-fixtures).
  bool confine_fixtures = false;
  std::vector<std::filesystem::path> allowed_fixture_roots;
};

// Where a scenario's fixtures may come from when confined (see above).
std::filesystem::path scenario_project_root(const std::filesystem::path& scenario_file);

// `display_path` is the path shown in reports ('/'-separated, as given).
// When the file does not parse, the result has status "error" and `error`
// holds "file:line: message".
reports::scenario_result run_scenario(const std::filesystem::path& file, const std::string& display_path,
                                      const run_options& options);

// The in-process part alone: `sc`'s sessions against a MailRoot already
// prepared at `root` (prepare_mailroot), results added to `res`. `tables`
// and `mailboxes`: what prepare_mailroot took (null: read `root`). Parsed
// tables are reused across the scenarios a thread runs; each replay starts
// its mailbox store from a copy of the image.
void replay_in_process(const scenario& sc, const std::filesystem::path& root, reports::scenario_result& res,
                       const run_options& options, std::shared_ptr<config::memory_tables> tables = nullptr,
                       std::shared_ptr<const delivery::mailbox_image> mailboxes = nullptr);

}  // namespace mailflow::harness
