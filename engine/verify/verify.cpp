#include "verify.hpp"

#include <algorithm>

#include "state.hpp"

namespace mailflow::verify {

void verifier::state::at(severity level, const config::source& src, std::size_t field, std::string code,
                         std::string message) {
  diags.add({level, src.file ? src.file->path() : std::string(), src.record ? src.record->line : 0,
             src.record ? src.record->column(field) : 0, std::move(message), std::move(code)});
}

void verifier::state::about(severity level, std::string path, std::string code, std::string message) {
  diags.add({level, std::move(path), 0, 0, std::move(message), std::move(code)});
}

verifier::verifier(std::filesystem::path root) : state_(std::make_unique<state>()) {
  state_->root = std::move(root);
  // Absolute, so {root}/... in a program path names the same file from anywhere.
  std::error_code ec;
  auto absolute = std::filesystem::absolute(state_->root, ec);
  state_->root_text = (ec ? state_->root : absolute.lexically_normal()).string();
  while (state_->root_text.size() > 1 && state_->root_text.back() == '/') state_->root_text.pop_back();
}

verifier::~verifier() = default;

void verifier::load() {
  state_->mr = config::mailroot::load(state_->root, state_->diags);
  for (auto* f : state_->mr->files()) state_->read(f);
}

void verifier::check_tables() { run_table_checks(*state_); }

void verifier::check_tree() { run_tree_checks(*state_); }

report verifier::finish() {
  report r;
  r.diags = std::move(state_->diags);
  r.diags.sort();
  r.files = std::move(state_->files);
  std::sort(r.files.begin(), r.files.end());
  r.files.erase(std::unique(r.files.begin(), r.files.end()), r.files.end());
  return r;
}

report verify_mailroot(const std::filesystem::path& root) {
  verifier v(root);
  v.load();
  v.check_tables();
  v.check_tree();
  return v.finish();
}

}  // namespace mailflow::verify
