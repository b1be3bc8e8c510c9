// SMTP-time filters (manual: SMTP MESSAGE FILTERS, MESSAGE FILTERS, MACRO
// SUBSTITUTION): the commands of filters.post-rcpt.tab, filters.pre-data.tab
// and filters.post-data.tab run in file order for one hook.
//
// For each command the runner writes $(FILE) (content prepared by the
// session: the info line, SmtpDomain, SmtpMessageID, MAIL FROM, the
// "RCPT TO:<a> {ra=real}" lines and, after post-data, "<<MAIL-DATA>>" and
// the message), substitutes the macros ($(NAME) anywhere in an argument,
// @@NAME as a whole argument), executes the program directly (no shell) with
// a fixed environment through a process_runner, and decodes the exit code:
// 3 rejects (plus 16: stop the list). On a rejection the first line of
// $(FILE).rej, if any (up to 1024 octets), is handed to the session as it is,
// which sends it only when it is a rejection reply line; the .rej file is removed. `!aex` skips
// the command for an authenticated client, `!wlex` for a smtp.ipprop.tab
// WhiteList client, `!timeo=N` sets its timeout. A command that times out
// (it is killed) or cannot start counts as a pass
// (../shared/reference/xmail-behaviour.md, "Transactions and errors").
//
// mailflow's choices where XMail's own are not wanted (they would make
// reports differ between runs or leak into the server):
// - $(FILE) is a fresh file per command, temp_dir/smtp-<hook>-<n>.flt with
//   the runner's counter (no pid, no clock); a name already taken by another
//   runner sharing the folder is skipped. It and $(FILE).rej are removed
//   after each command, whatever it returned.
// - Filters run with fixed_environment() and the MailRoot as working folder.
// - Unknown macros stay as written (XMail substitutes an empty string).
// - Invocation status: exited, signaled, timed-out, failed-to-start, or
//   "skipped (aex)" / "skipped (wlex)"; action: accept, reject, or pass for
//   the last four. A signal death is a pass like a timeout. An empty first
//   line in $(FILE).rej gives no reply (the session's default one is used).
// One runner serves one session at a time (its counter is not locked). A
// scripted process's virtual duration (process_result::simulated_ms) adds up
// in filter_chain_result::simulated_ms, so the harness answers at that time.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/mailroot.hpp"
#include "core/env.hpp"
#include "core/event.hpp"
#include "core/request.hpp"

namespace mailflow::flow {

// Expands $(NAME) anywhere and @@NAME when it is the whole argument; unknown names are left as written.
std::string expand_macros(const std::string& arg, const std::map<std::string, std::string>& macros);

// Answers a filter_chain request (core/request.hpp).
class smtp_filter_runner {
 public:
  // temp_dir: where $(FILE) is written (made if missing); paths under
  // `mailroot` are reported as {root}/... in the invocation events.
  smtp_filter_runner(process_runner& runner, std::filesystem::path mailroot, std::filesystem::path temp_dir,
                     int default_timeout_seconds = 90);

  filter_chain_result run(const filter_chain& chain);

  // The zone filters see through TZ (the scenario's or the host's); UTC until set.
  void set_utc_offset_minutes(int minutes) { utc_offset_minutes_ = minutes; }

  // `text` with the MailRoot shown as {root} and a temp_dir outside it as {tmp}.
  std::string shown_paths(const std::string& text) const;

 private:
  struct created_file {
    std::filesystem::path path;
    std::string error;  // empty when created
  };
  created_file write_temp_file(const char* hook_name, const std::string& content);

  process_runner& runner_;
  std::filesystem::path mailroot_;
  std::filesystem::path temp_dir_;
  int default_timeout_;
  unsigned counter_ = 0;  // per runner: deterministic temp file names
  int utc_offset_minutes_ = 0;
  std::vector<std::pair<std::string, std::string>> shown_;  // absolute path -> "{root}" / "{tmp}", longest first
};

// The environment every filter and external program gets (no inheritance from the server's own):
// PATH=/usr/local/bin:/usr/bin:/bin, LANG=C, LC_ALL=C, MAIL_ROOT and HOME (the absolute MailRoot), and TZ
// as a POSIX zone for the offset ("UTC0", "<+0900>-9", "<-0530>5:30"); nothing else.
std::vector<std::string> fixed_environment(const std::filesystem::path& mailroot, int utc_offset_minutes = 0);

}  // namespace mailflow::flow
