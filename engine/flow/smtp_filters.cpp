#include "flow/smtp_filters.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <system_error>

namespace mailflow::flow {
namespace {

// manual, SMTP MESSAGE FILTERS: raw exit code 3 rejects; flag 16 stops the
// list. Flags are added to the raw code (FRC = RC + FILTER-SUM), so XMail
// separates them by masking.
constexpr int reject_code = 3;
constexpr int stop_flag = 16;

// "post-rcpt" for filter.post-rcpt: the $(FILE) name part.
std::string hook_name(stage hook) { return std::string(stage_name(hook).substr(stage_name(hook).find('.') + 1)); }

// Absolute and normalised, without a trailing '/', so prefix matching is exact.
std::filesystem::path clean_path(const std::filesystem::path& p) {
  std::error_code ec;
  auto abs = std::filesystem::absolute(p, ec);
  auto out = (ec ? p : abs).lexically_normal();
  if (!out.has_filename() && out.has_parent_path() && out != out.root_path()) out = out.parent_path();
  return out;
}

bool is_within(const std::filesystem::path& inner, const std::filesystem::path& outer) {
  auto rel = inner.lexically_relative(outer);
  return !rel.empty() && *rel.begin() != "..";
}

std::optional<std::string> read_whole(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// A .rej line longer than this is no reply anyway (the session sends at most
// 510 octets); reading no further keeps a runaway filter's file out of memory.
constexpr std::size_t max_rej_line = 1024;

// First line of the file without its line ending (at most max_rej_line
// octets of it), or nullopt when it cannot be read.
std::optional<std::string> first_line(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::string line;
  for (char c; line.size() < max_rej_line && in.get(c) && c != '\n';) line += c;
  while (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

void remove_quietly(const std::filesystem::path& p) {
  std::error_code ec;
  std::filesystem::remove(p, ec);
}

std::string posix_tz(int offset_minutes) {
  if (offset_minutes == 0) return "UTC0";
  const int a = offset_minutes < 0 ? -offset_minutes : offset_minutes;
  const char east = offset_minutes > 0 ? '+' : '-';
  // POSIX counts hours west of UTC: the sign is the opposite of the ISO one.
  const char* west = offset_minutes > 0 ? "-" : "";
  char buf[32];
  if (a % 60 == 0)
    std::snprintf(buf, sizeof buf, "<%c%02d%02d>%s%d", east, a / 60, a % 60, west, a / 60);
  else
    std::snprintf(buf, sizeof buf, "<%c%02d%02d>%s%d:%02d", east, a / 60, a % 60, west, a / 60, a % 60);
  return buf;
}

}  // namespace

std::string expand_macros(const std::string& arg, const std::map<std::string, std::string>& macros) {
  // manual, MACRO SUBSTITUTION: "@@NAME" only as the whole argument.
  if (arg.size() > 2 && arg.compare(0, 2, "@@") == 0) {
    auto it = macros.find(arg.substr(2));
    if (it != macros.end()) return it->second;
  }
  std::string out;
  std::size_t pos = 0;
  while (pos < arg.size()) {
    auto open = arg.find("$(", pos);
    if (open == std::string::npos) break;
    auto close = arg.find(')', open + 2);
    if (close == std::string::npos) break;
    out.append(arg, pos, open - pos);
    auto it = macros.find(arg.substr(open + 2, close - open - 2));
    if (it != macros.end())
      out += it->second;  // not rescanned: a value holding "$(X)" stays as it is
    else
      out.append(arg, open, close + 1 - open);
    pos = close + 1;
  }
  out.append(arg, pos, std::string::npos);
  return out;
}

std::vector<std::string> fixed_environment(const std::filesystem::path& mailroot, int utc_offset_minutes) {
  const std::string root = clean_path(mailroot).string();
  return {
      "PATH=/usr/local/bin:/usr/bin:/bin",
      "LANG=C",
      "LC_ALL=C",
      "MAIL_ROOT=" + root,
      "TZ=" + posix_tz(utc_offset_minutes),
      "HOME=" + root,
  };
}

smtp_filter_runner::smtp_filter_runner(process_runner& runner, std::filesystem::path mailroot,
                                       std::filesystem::path temp_dir, int default_timeout_seconds)
    : runner_(runner),
      mailroot_(clean_path(mailroot)),
      temp_dir_(clean_path(temp_dir)),
      default_timeout_(default_timeout_seconds) {
  auto add = [this](const std::filesystem::path& p, const char* label) {
    const std::string s = p.string();
    if (s.empty() || s == "/") return;
    if (std::find(shown_.begin(), shown_.end(), std::pair<std::string, std::string>{s, label}) == shown_.end())
      shown_.emplace_back(s, label);
  };
  // The path as given and as resolved (e.g. /tmp behind a symlink), so either spelling is hidden.
  std::error_code ec;
  add(mailroot_, "{root}");
  auto real_root = std::filesystem::weakly_canonical(mailroot_, ec);
  if (!ec) add(real_root, "{root}");
  if (!is_within(temp_dir_, mailroot_)) {
    add(temp_dir_, "{tmp}");
    auto real_tmp = std::filesystem::weakly_canonical(temp_dir_, ec);
    if (!ec && !is_within(real_tmp, real_root)) add(real_tmp, "{tmp}");
  }
  std::stable_sort(shown_.begin(), shown_.end(),
                   [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
}

std::string smtp_filter_runner::shown_paths(const std::string& text) const {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    bool replaced = false;
    for (const auto& [path, label] : shown_) {
      if (text.compare(i, path.size(), path) != 0) continue;
      const std::size_t end = i + path.size();
      if (end != text.size() && text[end] != '/') continue;  // "/tmp/root2" is not under "/tmp/root"
      out += label;
      i = end;
      replaced = true;
      break;
    }
    if (!replaced) out += text[i++];
  }
  return out;
}

smtp_filter_runner::created_file smtp_filter_runner::write_temp_file(const char* hook, const std::string& content) {
  created_file out;
  std::error_code ec;
  std::filesystem::create_directories(temp_dir_, ec);
  // Names come from the runner's counter (no pids, no clock) so reports repeat
  // exactly; O_EXCL skips names taken by another runner sharing the folder.
  for (int attempt = 0; attempt < 10000; ++attempt) {
    out.path = temp_dir_ / ("smtp-" + std::string(hook) + "-" + std::to_string(++counter_) + ".flt");
    int fd = ::open(out.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno == EEXIST) continue;
    if (fd < 0) {
      out.error = "create " + out.path.string() + ": " + std::generic_category().message(errno);
      return out;
    }
    const char* data = content.data();
    std::size_t left = content.size();
    while (left > 0) {
      ssize_t n = ::write(fd, data, left);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        out.error = "write " + out.path.string() + ": " + std::generic_category().message(errno);
        ::close(fd);
        remove_quietly(out.path);
        return out;
      }
      data += n;
      left -= static_cast<std::size_t>(n);
    }
    ::close(fd);
    return out;
  }
  out.error = "no free file name in " + temp_dir_.string();
  return out;
}

filter_chain_result smtp_filter_runner::run(const filter_chain& chain) {
  filter_chain_result out;
  out.file_content = chain.file_content;
  const auto environment = fixed_environment(mailroot_, utc_offset_minutes_);
  const std::string hook = hook_name(chain.hook);

  for (const auto& command : chain.steps) {
    filter_invocation inv;
    inv.hook = chain.hook;
    inv.line = command.line;
    inv.action = filter_action::pass;

    // manual, SMTP MESSAGE FILTERS: "aex" skips the command for an
    // authenticated client, "wlex" for a WhiteList one.
    if ((command.aex && chain.authenticated) || (command.wlex && chain.whitelisted)) {
      for (const auto& a : command.argv) inv.argv.push_back(shown_paths(a));
      inv.status = command.aex && chain.authenticated ? filter_status::skipped_aex : filter_status::skipped_wlex;
      out.invocations.push_back(std::move(inv));
      continue;
    }

    // Every command gets a fresh $(FILE) holding the content as earlier filters left it.
    const auto file = write_temp_file(hook.c_str(), out.file_content);
    auto macros = chain.macros;
    macros["FILE"] = file.path.string();
    process_request request;
    for (const auto& a : command.argv)
      request.argv.push_back(config::expand_root(expand_macros(a, macros), mailroot_.string()));
    for (const auto& a : request.argv) inv.argv.push_back(shown_paths(a));
    if (!file.error.empty()) {
      // It cannot run without its file: like a program that cannot start, a pass.
      inv.status = filter_status::failed_to_start;
      out.invocations.push_back(std::move(inv));
      continue;
    }
    request.environment = environment;
    request.working_directory = mailroot_.string();
    request.timeout_seconds = command.timeout_seconds.value_or(default_timeout_);

    const std::filesystem::path rej_path = file.path.string() + ".rej";
    remove_quietly(rej_path);  // a leftover from a crashed run must not become a reply
    const process_result r = runner_.run(request);
    inv.duration_ms = r.duration_ms;
    out.simulated_ms += r.simulated_ms;

    // Whatever its exit code, what the filter left in $(FILE) is what later filters and the session see.
    if (auto after = read_whole(file.path)) {
      inv.message_changed = *after != out.file_content;
      out.file_content = std::move(*after);
    }

    bool rejected = false;
    switch (r.result) {
      case process_result::status::exited: {
        inv.status = filter_status::exited;
        inv.exit_code = r.exit_code;
        inv.stop_list = r.exit_code >= 0 && (r.exit_code & stop_flag) != 0;
        rejected = r.exit_code >= 0 && (r.exit_code & ~stop_flag) == reject_code;
        inv.action = rejected ? filter_action::reject : filter_action::accept;
        break;
      }
      // xmail-behaviour.md, "Transactions and errors": a filter that times out
      // or cannot run counts as a pass.
      case process_result::status::signaled: inv.status = filter_status::signaled; break;
      case process_result::status::timed_out: inv.status = filter_status::timed_out; break;
      case process_result::status::failed_to_start: inv.status = filter_status::failed_to_start; break;
    }

    if (rejected) {
      out.rejected = true;
      if (auto line = first_line(rej_path)) {
        inv.rej_text = *line;
        if (!line->empty()) out.reply = *line;  // an empty line leaves the session's default reply
      }
    }
    remove_quietly(rej_path);
    remove_quietly(file.path);
    const bool stop = rejected || inv.stop_list;
    out.invocations.push_back(std::move(inv));
    if (stop) break;
  }
  out.changed = out.file_content != chain.file_content;
  return out;
}

}  // namespace mailflow::flow
