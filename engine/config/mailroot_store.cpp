#include "config/mailroot_store.hpp"

namespace mailflow::config {

namespace {

// Reads from the disk and keeps what it read, so the store knows the text
// every root-level table had when its snapshot was made.
class recording_tables final : public table_source {
 public:
  recording_tables(const std::filesystem::path& root, memory_tables& into) : disk_(root), into_(into) {}
  std::shared_ptr<const std::string> read(const std::string& name, diagnostic_list& diags) override {
    auto text = disk_.read(name, diags);
    if (text) into_.put(name, text);
    return text;
  }

 private:
  disk_tables disk_;
  memory_tables& into_;
};

}  // namespace

bool inside_root(const std::string& rel) {
  if (rel.empty() || rel.front() == '/' || rel.find('\0') != std::string::npos || rel.find('\\') != std::string::npos)
    return false;
  std::size_t pos = 0;
  while (pos <= rel.size()) {
    auto slash = rel.find('/', pos);
    auto end = slash == std::string::npos ? rel.size() : slash;
    std::string_view part(rel.data() + pos, end - pos);
    if (part.empty() || part == "." || part == "..") return false;
    if (slash == std::string::npos) break;
    pos = slash + 1;
  }
  return true;
}

mailroot_store::mailroot_store(std::filesystem::path root, diagnostic_list& diags, file_ops& ops)
    : root_(std::move(root)), ops_(ops) {
  reload(diags);
}

void mailroot_store::publish(std::shared_ptr<const mailroot> m) {
  current_.store(std::move(m));
  generation_.fetch_add(1);
}

void mailroot_store::reload(diagnostic_list& diags) {
  std::lock_guard lock(edit_mutex_);
  texts_.clear();
  recording_tables tables(root_, texts_);
  publish(mailroot::load(root_, tables, &cache_, diags));
  // Parts no snapshot can use again are dropped; the current ones are kept by it.
  if (cache_.size() > 4096) cache_.clear();
}

mailroot_store::edit_result mailroot_store::edit(const std::string& rel_path, const editor& change) {
  std::lock_guard lock(edit_mutex_);
  edit_result r;
  r.snapshot = current();
  if (!inside_root(rel_path)) {
    r.error = "not a file inside the MailRoot: " + rel_path;
    return r;
  }
  bool root_level = rel_path.find('/') == std::string::npos;

  std::string before;
  diagnostic_list read_diags;
  if (root_level) {
    if (auto t = texts_.read(rel_path, read_diags)) before = *t;
  } else if (!read_file_text(root_, rel_path, before, read_diags) && read_diags.error_count() > 0) {
    r.error = rel_path + ": cannot be read";
    return r;
  }

  auto doc = tab_document::parse(before);
  if (!change(doc, r.error)) return r;
  std::string after = doc.text();
  if (after == before) {
    r.ok = true;
    return r;
  }

  auto outcome = replace_file(ops_, root_ / rel_path, after);
  if (!outcome.replaced) {
    r.error = rel_path + ": " + outcome.error;
    return r;
  }
  // On disk now, durable or not: the next snapshot must say what the file says.
  r.written = true;
  if (root_level) texts_.put(rel_path, std::make_shared<const std::string>(std::move(after)));
  diagnostic_list diags;
  publish(mailroot::load(root_, texts_, &cache_, diags));
  r.snapshot = current();
  r.ok = outcome.ok();
  if (!r.ok) r.error = rel_path + ": " + outcome.error;
  return r;
}

}  // namespace mailflow::config
