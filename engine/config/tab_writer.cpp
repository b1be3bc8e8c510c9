#include "config/tab_writer.hpp"

#include "config/tab_file.hpp"

namespace mailflow::config {

namespace {

// The fields of one line as the reader sees them (one way to read TAB text).
std::optional<std::vector<std::string>> read_fields(const std::string& text) {
  diagnostic_list ignored;
  auto f = tab_file::parse("", text, ignored);
  if (f->records().size() != 1) return std::nullopt;
  std::vector<std::string> out;
  for (auto& field : f->records()[0].fields) out.emplace_back(field.value);
  return out;
}

}  // namespace

tab_document tab_document::parse(std::string_view text) {
  tab_document d;
  if (text.empty()) return d;
  auto first_nl = text.find('\n');
  if (first_nl != std::string_view::npos && first_nl > 0 && text[first_nl - 1] == '\r') d.ending_ = "\r\n";
  d.final_newline_ = text.back() == '\n';
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    auto end = nl == std::string_view::npos ? text.size() : nl;
    std::string_view raw = text.substr(pos, end - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    // The ending is the file's; a line's own CR is kept when the file is LF (it was there).
    if (d.ending_ == "\r\n" && !raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    line l;
    l.text = std::string(raw);
    l.fields = read_fields(l.text);
    d.lines_.push_back(std::move(l));
  }
  return d;
}

std::vector<std::vector<std::string>> tab_document::records() const {
  std::vector<std::vector<std::string>> out;
  for (auto& l : lines_)
    if (l.fields) out.push_back(*l.fields);
  return out;
}

std::optional<std::string> tab_document::format(const std::vector<tab_value>& fields, std::string& error) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    auto& v = fields[i];
    for (char c : v.text) {
      if (c == '\t' || c == '\r' || c == '\n' || c == '\0' || c == '"') {
        error = "field " + std::to_string(i + 1) + " holds a character a TAB file cannot keep (TAB, CR, LF, NUL or '\"')";
        return std::nullopt;
      }
    }
    if (!v.quoted && v.text.empty()) {
      error = "field " + std::to_string(i + 1) + " is empty";
      return std::nullopt;
    }
    if (i) out += '\t';
    if (v.quoted) out += '"';
    out += v.text;
    if (v.quoted) out += '"';
  }
  if (fields.empty()) {
    error = "a record needs at least one field";
    return std::nullopt;
  }
  return out;
}

bool tab_document::append(const std::vector<tab_value>& fields, std::string& error) {
  auto text = format(fields, error);
  if (!text) return false;
  line l;
  l.fields = read_fields(*text);
  l.text = std::move(*text);
  lines_.push_back(std::move(l));
  final_newline_ = true;  // the last line written ends with the file's ending
  return true;
}

std::size_t tab_document::replace(const match& m, const std::vector<tab_value>& fields, std::string& error) {
  auto text = format(fields, error);
  if (!text) return 0;
  std::size_t n = 0;
  for (auto& l : lines_) {
    if (!l.fields || !m(*l.fields)) continue;
    l.text = *text;
    l.fields = read_fields(l.text);
    ++n;
  }
  return n;
}

std::size_t tab_document::remove(const match& m) {
  std::size_t before = lines_.size();
  bool last_removed = false;
  for (auto it = lines_.begin(); it != lines_.end();) {
    if (it->fields && m(*it->fields)) {
      last_removed = std::next(it) == lines_.end();
      it = lines_.erase(it);
    } else {
      ++it;
    }
  }
  // Removing the last line leaves the new last line ending as lines in the file do.
  if (last_removed) final_newline_ = true;
  return before - lines_.size();
}

std::string tab_document::text() const {
  std::string out;
  for (std::size_t i = 0; i < lines_.size(); ++i) {
    out += lines_[i].text;
    if (i + 1 < lines_.size() || final_newline_) out += ending_;
  }
  return out;
}

}  // namespace mailflow::config
