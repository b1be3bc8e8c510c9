#include "tab_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

namespace mailflow::config {

namespace {

// The common case in one pass: fields that are "quoted" or bare, separated by
// TABs, with no space at a field's edge and no stray quote. Returns false,
// leaving `out` as it was, for anything else; parse_line() then diagnoses it.
bool parse_plain_line(std::string_view line, std::vector<tab_field>& out) {
  const std::size_t first_out = out.size();
  const char* p = line.data();
  const std::size_t n = line.size();
  std::size_t i = 0;
  while (i < n) {
    if (p[i] == '\t') {
      ++i;
      continue;
    }
    if (p[i] == '"') {
      auto* close = static_cast<const char*>(std::memchr(p + i + 1, '"', n - i - 1));
      std::size_t j = close ? static_cast<std::size_t>(close - p) : n;
      if (j == n || (j + 1 < n && p[j + 1] != '\t')) break;
      out.push_back({line.substr(i + 1, j - i - 1), static_cast<std::uint32_t>(i + 2), true});
      i = j + 1;
      continue;
    }
    std::size_t j = i;
    while (j < n && p[j] != '\t' && p[j] != '"') ++j;
    if (j < n && p[j] == '"') break;
    if (p[i] == ' ' || p[j - 1] == ' ') break;
    out.push_back({line.substr(i, j - i), static_cast<std::uint32_t>(i + 1), false});
    i = j;
  }
  if (i >= n) return true;
  out.resize(first_out);
  return false;
}

// Parses one line into fields; returns false (with a diagnostic) when the line is malformed.
bool parse_line(std::string_view line, std::uint32_t line_no, const std::string& path, std::vector<tab_field>& out,
                diagnostic_list& diags) {
  std::size_t start = 0;
  const std::size_t first_out = out.size();
  while (start <= line.size()) {
    std::size_t tab = line.find('\t', start);
    std::size_t end = tab == std::string_view::npos ? line.size() : tab;
    std::string_view piece = line.substr(start, end - start);
    auto column = static_cast<std::uint32_t>(start + 1);

    // Spaces around a field are not part of it in any XMail file we know of.
    std::size_t lead = piece.find_first_not_of(' ');
    if (lead == std::string_view::npos) {
      if (!piece.empty())
        diags.warning(path, line_no, column, "tab-stray-space", "spaces between TABs are ignored");
    } else {
      std::size_t trail = piece.find_last_not_of(' ');
      if (lead > 0 || trail + 1 < piece.size())
        diags.warning(path, line_no, column + static_cast<std::uint32_t>(lead > 0 ? 0 : trail + 1), "tab-stray-space",
                      "space outside the quotes of a field is ignored");
      column += static_cast<std::uint32_t>(lead);
      piece = piece.substr(lead, trail - lead + 1);

      if (piece.front() == '"') {
        if (piece.size() < 2 || piece.back() != '"') {
          diags.error(path, line_no, column, "tab-unterminated-quote", "unterminated quote: field has no closing '\"'");
          out.resize(first_out);
          return false;
        }
        std::string_view inner = piece.substr(1, piece.size() - 2);
        auto q = inner.find('"');
        if (q != std::string_view::npos) {
          auto after = inner.substr(q + 1);
          bool looks_like_spaces = !after.empty() && (after.front() == ' ') &&
                                   after.find_first_not_of(' ') != std::string_view::npos &&
                                   after[after.find_first_not_of(' ')] == '"';
          if (looks_like_spaces) {
            diags.error(path, line_no, column + static_cast<std::uint32_t>(q + 2), "tab-space-separator",
                        "fields are separated by spaces; XMail needs a TAB between fields");
          } else {
            diags.error(path, line_no, column + static_cast<std::uint32_t>(q + 1), "tab-bad-quoting",
                        "stray '\"' inside a quoted field");
          }
          out.resize(first_out);
          return false;
        }
        out.push_back({inner, column + 1, true});
      } else {
        auto q = piece.find('"');
        if (q != std::string_view::npos) {
          diags.error(path, line_no, column + static_cast<std::uint32_t>(q), "tab-bad-quoting",
                      "'\"' inside an unquoted field");
          out.resize(first_out);
          return false;
        }
        out.push_back({piece, column, false});
      }
    }
    if (tab == std::string_view::npos) break;
    start = tab + 1;
  }
  return true;
}

}  // namespace

std::optional<std::size_t> password_field(std::string_view rel_path) {
  if (rel_path == "mailusers.tab") return 2;
  if (rel_path == "smtpauth.tab" || rel_path == "ctrlaccounts.tab") return 1;
  if (rel_path == "pop3links.tab") return 4;
  if (rel_path.starts_with("userauth/smtp/")) return 2;
  return std::nullopt;
}

rule_ref tab_file::rule(const tab_record& r) const {
  rule_ref out{path_, r.line, std::string(r.text)};
  if (password_field_ && *password_field_ < r.size()) {
    // Fields are views into the line: the password's place in the text is exact, quotes and other columns kept.
    std::string_view secret = r[*password_field_];
    auto at = static_cast<std::size_t>(secret.data() - r.text.data());
    out.text.replace(at, secret.size(), "***");
  }
  return out;
}

std::unique_ptr<tab_file> tab_file::parse(std::string rel_path, std::string content, diagnostic_list& diags) {
  std::unique_ptr<tab_file> f(new tab_file());
  f->path_ = std::move(rel_path);
  f->password_field_ = password_field(f->path_);
  f->content_ = std::move(content);
  std::string_view text = f->content_;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") {
    diags.warning(f->path_, 1, 1, "tab-bom", "UTF-8 byte order mark at the start of the file is ignored");
    text.remove_prefix(3);
  }

  // A line has at most (its TABs + 1) fields: reserving that much up front
  // keeps field_pool_ from moving, so records can point into it as they are
  // made, and a million-line file is not copied while it grows.
  std::size_t lines = 1, tabs = 0;
  for (char c : text) {
    lines += c == '\n';
    tabs += c == '\t';
  }
  f->field_pool_.reserve(tabs + lines);
  f->records_.reserve(lines);

  std::uint32_t line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    ++line_no;
    std::size_t nl = text.find('\n', pos);
    std::size_t end = nl == std::string_view::npos ? text.size() : nl;
    std::string_view line = text.substr(pos, end - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);

    std::size_t first_char = 0;
    while (first_char < line.size() && (line[first_char] == ' ' || line[first_char] == '\t')) ++first_char;
    if (first_char == line.size() || line[first_char] == '#') continue;
    if (line.find('\0') != std::string_view::npos) {
      diags.error(f->path_, line_no, static_cast<std::uint32_t>(line.find('\0') + 1), "tab-nul-byte",
                  "NUL byte in a TAB file line");
      continue;
    }
    // A CR that does not end the line would put a line break into a value
    // (a reply text, an address): XMail keeps it; here the line is refused.
    if (auto cr = line.find('\r'); cr != std::string_view::npos) {
      diags.error(f->path_, line_no, static_cast<std::uint32_t>(cr + 1), "tab-bare-cr",
                  "carriage return inside a TAB file line (a field cannot hold a line break)");
      continue;
    }
    std::size_t before = f->field_pool_.size();
    if (!parse_plain_line(line, f->field_pool_) && !parse_line(line, line_no, f->path_, f->field_pool_, diags))
      continue;
    tab_record r;
    r.line = line_no;
    r.text = line;
    r.fields = std::span<const tab_field>(f->field_pool_.data() + before, f->field_pool_.size() - before);
    f->records_.push_back(r);
  }
  return f;
}

bool read_file_text(const std::filesystem::path& root, const std::string& rel_path, std::string& content,
                    diagnostic_list& diags) {
  // open + fstat + read: a MailRoot load tries some forty names, most absent,
  // so each costs one failed open and nothing more.
  auto full = root / rel_path;
  // O_NONBLOCK: opening a FIFO must not wait for a writer (regular files ignore it).
  int fd = ::open(full.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return false;
    diags.error(rel_path, 0, 0, "file-unreadable", "cannot be read");
    return false;
  }
  struct stat st {};
  content.clear();
  bool ok = ::fstat(fd, &st) == 0;
  if (ok && !S_ISREG(st.st_mode)) {
    ::close(fd);
    diags.error(rel_path, 0, 0, "file-unreadable", "not a regular file");
    return false;
  }
  auto too_large = [&] {
    ::close(fd);
    diags.error(rel_path, 0, 0, "file-unreadable",
                "larger than " + std::to_string(max_mailroot_file_bytes >> 20) + " MB; not read");
    return false;
  };
  if (ok && static_cast<std::uint64_t>(st.st_size) > max_mailroot_file_bytes) return too_large();
  if (ok) content.resize(static_cast<std::size_t>(st.st_size));
  std::size_t got = 0;
  while (ok) {
    if (got == content.size()) {
      if (got >= max_mailroot_file_bytes) return too_large();  // it grew while read
      content.resize(content.size() + 4096);
    }
    ssize_t n = ::read(fd, content.data() + got, content.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) ok = false;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (!ok) {
    diags.error(rel_path, 0, 0, "file-unreadable", "cannot be read");
    return false;
  }
  content.resize(got);
  return true;
}

std::unique_ptr<tab_file> tab_file::load(const std::filesystem::path& root, std::string rel_path,
                                         diagnostic_list& diags) {
  std::string content;
  if (!read_file_text(root, rel_path, content, diags)) return nullptr;
  return parse(std::move(rel_path), std::move(content), diags);
}

std::string source::location() const {
  if (!file) return {};
  return file->path() + ":" + std::to_string(record ? record->line : 0);
}

}  // namespace mailflow::config
