// mailroot_store: the MailRoot a running server (or a replay with CTRL
// sessions) edits while sessions use it.
//
// It publishes immutable snapshots (config/mailroot.hpp). A session pins the
// snapshot current when it connected and keeps it to the end, so an edit
// never changes an answer in the middle of a transaction. An edit reads the
// file as the store last saw it, changes it as a tab_document (comments and
// order kept), replaces the file on disk so that it is never torn
// (config/file_writer.hpp), and then publishes a new snapshot. The new
// snapshot reuses every root-level table whose text did not change (parsed
// once, shared by both snapshots) and starts with empty per-account caches:
// a per-account file a snapshot has read stays as it read it.
//
// Edits are serialised; current() may be called from any thread at any time.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "config/file_writer.hpp"
#include "config/mailroot.hpp"
#include "config/tab_writer.hpp"

namespace mailflow::config {

class mailroot_store {
 public:
  // Loads `root` (problems go to `diags`).
  mailroot_store(std::filesystem::path root, diagnostic_list& diags, file_ops& ops = default_file_ops());

  // The snapshot to pin now.
  std::shared_ptr<const mailroot> current() const { return current_.load(); }
  // How many snapshots were published (1 after loading).
  std::uint64_t generation() const { return generation_.load(); }

  struct edit_result {
    bool ok = false;
    std::string error;                         // why nothing (or, with written, not all) happened
    bool written = false;                      // the file on disk holds the edit
    std::shared_ptr<const mailroot> snapshot;  // the snapshot after the edit (the old one when not written)
  };
  // change(document, error) edits the file `rel_path` (relative to the root,
  // e.g. "aliases.tab" or "domains/a.net/u/user.tab"; absent = empty) and
  // returns false to abandon the edit. The file is written only if the text changed.
  using editor = std::function<bool(tab_document&, std::string& error)>;
  edit_result edit(const std::string& rel_path, const editor& change);

  // Reads the whole MailRoot from disk again (after edits made by others).
  void reload(diagnostic_list& diags);

 private:
  void publish(std::shared_ptr<const mailroot> m);

  std::filesystem::path root_;
  file_ops& ops_;
  std::mutex edit_mutex_;
  memory_tables texts_;  // root-level texts as last read or written
  table_cache cache_;
  std::atomic<std::shared_ptr<const mailroot>> current_;
  std::atomic<std::uint64_t> generation_{0};
};

// Whether `rel` names a file inside the MailRoot: relative, no "." or ".."
// component, no empty component. The one check every edit path goes through.
bool inside_root(const std::string& rel);

}  // namespace mailflow::config
