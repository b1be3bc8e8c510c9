// The private MailRoot a scenario runs in: a copy of its fixture (never the
// fixture itself), so filters may write files and scenarios run in parallel.
#pragma once

#include <filesystem>
#include <string>

#include "config/mailroot.hpp"
#include "delivery/mailbox_store.hpp"
#include "scenario/scenario.hpp"

namespace mailflow::harness {

// A temporary folder removed when it goes out of scope. Live ones are known,
// so an interrupt can remove them (remove_live_temp_folders).
class temp_folder {
 public:
  explicit temp_folder(const std::string& prefix);
  ~temp_folder();
  temp_folder(const temp_folder&) = delete;
  temp_folder& operator=(const temp_folder&) = delete;
  const std::filesystem::path& path() const { return path_; }
  bool ok() const { return !path_.empty(); }

 private:
  std::filesystem::path path_;
};

// Removes every temp_folder still alive (interrupt.cpp, before exiting);
// `forget`: they are not removed again by their destructors.
void remove_live_temp_folders(bool forget);

// Copies the fixture into `root` (.keep files stay behind), makes XMail's
// standard folders, replaces {root} {sink} {sinkport} in every file outside
// stored messages, makes *.sh executable and applies the overlays. Returns
// false with `error` ("file:line: message") when something cannot be done.
// `tables`, when given, receives the text of every file written outside the
// message stores and the spool, so the MailRoot model (its root tables and
// the files it reads on first use) never reads the copy again. `mailboxes`,
// when given, receives every folder and the stored messages (Maildir/ and
// mailbox/ files), so sessions ask a memory store about mailboxes.
bool prepare_mailroot(const scenario& sc, const std::filesystem::path& root, std::string& error,
                      config::memory_tables* tables = nullptr, delivery::mailbox_image* mailboxes = nullptr);

// {root} {sink} {sinkport} in `text`.
std::string expand_tokens(std::string text, const std::string& root, const std::string& sink);

}  // namespace mailflow::harness
