// Conformance transcripts (conformance/README.md): the JSON records what
// XMail answered, the case's session scripts say what the client sent. Each
// directive of a script is one step of the transcript (after the greeting),
// except SLEEP, which replay.py does not record, so the two are walked
// side by side.
#include <algorithm>
#include <cctype>
#include <optional>
#include <fstream>
#include <sstream>
#include <tuple>

#include <nlohmann/json.hpp>

#include "core/codec.hpp"
#include "core/text.hpp"
#include "import/import.hpp"
#include "pattern/pattern.hpp"

namespace mailflow::import {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

struct directive {
  std::string kind, arg;
  std::uint32_t line = 0;
};

const std::vector<std::string>& directive_names() {
  static const std::vector<std::string> names{"C",    "X",       "S",         "SX",    "R",     "RW",
                                              "W",    "B64",     "AUTHPLAIN", "CRAM",  "APOP",  "CTRLLOGIN",
                                              "CTRLMD5", "SLEEP", "DRAIN",    "CLOSE", "NORM",  "PROTO",
                                              "REPEAT"};
  return names;
}

bool known_directive(const std::string& k) {
  for (auto& n : directive_names())
    if (n == k) return true;
  return false;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw import_error(p.string() + ":1: cannot read the file");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

constexpr std::size_t max_directives = 1000000;

// A script line in an error: printable, and short.
std::string shown_line(const std::string& line) {
  std::string out;
  for (unsigned char c : line.substr(0, 120)) out += c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '?';
  return line.size() > 120 ? out + "..." : out;
}

// The same parser as replay.py's parse_session: "KIND: text" lines, REPEAT expanded.
std::vector<directive> parse_script(const fs::path& path) {
  std::string text = read_file(path);
  std::vector<directive> out;
  static const boost::regex line_re = harness::ecmascript_regex(R"(^([A-Z0-9]+):(?: ?)(.*)$)");
  static const boost::regex repeat_re = harness::ecmascript_regex(R"(^(\d{1,6}) ([A-Z0-9]+):(?: ?)(.*)$)");
  std::uint32_t n = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    start = end + 1;
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#') continue;
    boost::smatch m;
    if (!boost::regex_match(line, m, line_re, harness::ecmascript_match) || !known_directive(m.str(1)))
      throw import_error(path.string() + ":" + std::to_string(n) + ": cannot parse line: " + shown_line(line));
    directive d{m.str(1), m.str(2), n};
    if (d.kind == "PROTO" || d.kind == "NORM") continue;  // NORM only concerns compare
    if (d.kind == "REPEAT") {
      boost::smatch r;
      if (!boost::regex_match(d.arg, r, repeat_re, harness::ecmascript_match) || !known_directive(r.str(2)))
        throw import_error(path.string() + ":" + std::to_string(n) + ": REPEAT n DIRECTIVE: text (n up to 999999)");
      if (out.size() + std::stoul(r.str(1)) > max_directives)
        throw import_error(path.string() + ":" + std::to_string(n) + ": more than " + std::to_string(max_directives) +
                           " directives");
      for (auto i = std::stoul(r.str(1)); i > 0; --i) out.push_back({r.str(2), r.str(3), n});
      continue;
    }
    if (out.size() >= max_directives)
      throw import_error(path.string() + ":" + std::to_string(n) + ": more than " + std::to_string(max_directives) +
                         " directives");
    out.push_back(std::move(d));
  }
  return out;
}

// Every member of a transcript is read through member() and the helpers on
// it: an absent member is the fallback (or an error when it is required),
// one of another type is an error naming it (issue 10.12). A mistyped member
// used to abort import, be ignored, or be read as something else.
const char* type_name(json::value_t t) {
  switch (t) {
    case json::value_t::string: return "a string";
    case json::value_t::boolean: return "true or false";
    case json::value_t::array: return "a list";
    case json::value_t::object: return "an object";
    default: return "a value";
  }
}

const json* member(const json& obj, const char* key, json::value_t want, const std::string& where, bool required) {
  if (!obj.is_object()) throw import_error(where + ": expected an object holding \"" + key + "\"");
  auto it = obj.find(key);
  if (it == obj.end()) {
    if (required) throw import_error(where + ": \"" + key + "\" is missing");
    return nullptr;
  }
  if (it->type() != want) throw import_error(where + ": \"" + key + "\" must be " + type_name(want));
  return &*it;
}

bool flag_member(const json& obj, const char* key, const std::string& where, bool fallback) {
  auto* v = member(obj, key, json::value_t::boolean, where, false);
  return v ? v->get<bool>() : fallback;
}

// A list of strings; empty when absent.
std::vector<std::string> lines_member(const json& obj, const char* key, const std::string& where) {
  std::vector<std::string> out;
  if (auto* v = member(obj, key, json::value_t::array, where, false))
    for (auto& l : *v) {
      if (!l.is_string()) throw import_error(where + ": \"" + key + "\" must be a list of strings");
      out.push_back(l.get<std::string>());
    }
  return out;
}

recorded_reply to_reply(const json& r, const std::string& where) {
  recorded_reply out;
  out.lines = lines_member(r, "lines", where);
  out.closed = flag_member(r, "closed", where, false);
  out.none = flag_member(r, "timeout", where, false);
  return out;
}

std::pair<std::string, std::string> user_and_password(const directive& d, const std::string& where) {
  auto sp = d.arg.find(' ');
  if (sp == std::string::npos) throw import_error(where + ": expected 'user password'");
  return {d.arg.substr(0, sp), d.arg.substr(sp + 1)};
}

// The JSON holds strings decoded as Latin-1: back to the bytes on the wire.
std::string latin1_bytes(const std::string& utf8) {
  std::string out;
  for (std::size_t i = 0; i < utf8.size(); ++i) {
    auto c = static_cast<unsigned char>(utf8[i]);
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if ((c & 0xE0) == 0xC0 && i + 1 < utf8.size()) {
      out += static_cast<char>(((c & 0x1F) << 6) | (static_cast<unsigned char>(utf8[++i]) & 0x3F));
    } else {
      out += '?';
    }
  }
  return out;
}

session import_session(const json& js, const fs::path& script, const std::string& file, bool& had_sleep) {
  const std::string where = file + ":1: session " + script.filename().string();
  auto& steps = *member(js, "steps", json::value_t::array, where, true);
  // step i's recorded reply, nullptr when it has none
  auto reply_of = [&](std::size_t i) {
    std::string at = where + ", step " + std::to_string(i);
    if (!steps[i].is_object()) throw import_error(at + ": expected an object");
    return member(steps[i], "reply", json::value_t::object, at, false);
  };
  auto directives = parse_script(script);
  if (steps.empty() || !reply_of(0)) throw import_error(where + ": no greeting");
  session s;
  s.greeting = to_reply(*reply_of(0), where + ", step 0");
  std::size_t k = 1;
  for (auto& d : directives) {
    std::string at = script.string() + ":" + std::to_string(d.line);
    if (d.kind == "SLEEP") {
      step p;
      p.what = step::kind::pause;
      p.text = d.arg;
      p.wait = false;
      p.source_line = d.line;
      s.steps.push_back(std::move(p));
      had_sleep = true;
      continue;
    }
    if (k >= steps.size()) throw import_error(at + ": the transcript has no step for this directive");
    std::size_t rec_index = k++;
    const json* recorded = reply_of(rec_index);
    const json& rec = steps[rec_index];
    if (d.kind == "DRAIN") {
      if (!rec.contains("drain")) throw import_error(at + ": expected the transcript's drain step");
      continue;  // the in-process spool is synchronous
    }
    step st;
    st.source_line = d.line;
    if (d.kind == "CLOSE") {
      st.what = step::kind::close;
      st.wait = false;
      s.steps.push_back(std::move(st));
      break;  // replay.py stops the session here
    }
    if (d.kind == "C" || d.kind == "S" || d.kind == "X" || d.kind == "SX") {
      std::string bytes = d.kind == "X" || d.kind == "SX" ? decode_python_escapes(d.arg) : latin1_bytes(d.arg);
      st.wait = d.kind == "C" || d.kind == "X";
      if (sendable_as_line(bytes)) {
        st.text = bytes;
      } else {
        // NUL, other controls and 8-bit bytes cannot travel in an XML attribute
        st.what = step::kind::raw;
        st.text = escape_bytes(bytes + "\r\n");
      }
    } else if (d.kind == "R" || d.kind == "RW") {
      st.what = step::kind::raw;
      st.text = escape_bytes(decode_python_escapes(d.arg));
      st.wait = d.kind == "RW";
    } else if (d.kind == "W") {
      st.what = step::kind::read;
    } else if (d.kind == "B64") {
      st.what = step::kind::base64;
      st.text = latin1_bytes(d.arg);
      if (!sendable_as_line(st.text)) {  // the clear text cannot travel in XML: send its encoding
        st.what = step::kind::raw;
        st.text = base64_encode(st.text) + "\\r\\n";
      }
    } else if (d.kind == "AUTHPLAIN" || d.kind == "CRAM") {
      st.what = d.kind == "CRAM" ? step::kind::cram_md5 : step::kind::auth_plain;
      std::tie(st.user, st.password) = user_and_password(d, at);
    } else {
      throw import_error(at + ": " + d.kind + " is not an SMTP directive");
    }
    if ((recorded != nullptr) != st.wait)
      throw import_error(at + ": the transcript's step " + std::to_string(rec_index) + " does not match this directive");
    if (st.wait) st.reply = to_reply(*recorded, where + ", step " + std::to_string(rec_index));
    s.steps.push_back(std::move(st));
  }
  if (k < steps.size() && !(s.steps.size() && s.steps.back().what == step::kind::close))
    throw import_error(where + ": the transcript has more steps than the script");  // "file:1: session NAME"
  // Replies nobody read after the last directive become read steps, split
  // into replies as a client reads them (up to a line whose 4th byte is not '-').
  recorded_reply pending;
  for (auto& text : lines_member(js, "trailing", where)) {
    pending.lines.push_back(text);
    if (text.size() < 4 || text[3] != '-') {
      step r;
      r.what = step::kind::read;
      r.reply = std::move(pending);
      s.steps.push_back(std::move(r));
      pending = {};
    }
  }
  if (!pending.lines.empty()) {
    step r;
    r.what = step::kind::read;
    r.reply = std::move(pending);
    s.steps.push_back(std::move(r));
  }
  // After the last step: whether the server closed the connection.
  bool server_closed = flag_member(js, "server_closed", where, false);
  recorded_reply* last = &*s.greeting;
  for (auto& st : s.steps)
    if (st.reply) last = &*st.reply;
  if (server_closed) last->closed = true;
  return s;
}

}  // namespace

namespace {

// A JSON string member, or `fallback` when absent; anything else is an error
// that names the member (never an exception the CLI does not expect).
std::string text_member(const json& obj, const char* key, const std::string& where,
                        std::optional<std::string> fallback = std::nullopt) {
  auto* v = member(obj, key, json::value_t::string, where, !fallback);
  return v ? v->get<std::string>() : *fallback;
}

// The case name, from the JSON or the file name: one plain folder name.
std::string checked_case_name(const json& doc, const std::string& file) {
  std::string name = text_member(doc, "case", file + ":1", fs::path(file).stem().string());
  if (!plain_name(name))
    throw import_error(file + ":1: case name '" + shown_line(name) +
                       "' must be one plain folder name (letters, digits, '-', '_', '.'; not starting with '.')");
  return name;
}

json parse_transcript(std::string_view json_text, const std::string& file) {
  json doc;
  try {
    doc = json::parse(json_text);
  } catch (const json::parse_error& e) {
    // byte offset to a line number
    std::size_t upto = std::min<std::size_t>(e.byte, json_text.size());
    auto line = 1 + std::count(json_text.begin(), json_text.begin() + static_cast<std::ptrdiff_t>(upto), '\n');
    throw import_error(file + ":" + std::to_string(line) + ": not valid JSON: " + e.what());
  }
  if (!doc.is_object() || text_member(doc, "format", file + ":1", "") != "xmail-oracle-transcript/1")
    throw import_error(file + ":1: not a conformance transcript (format xmail-oracle-transcript/1)");
  return doc;
}

}  // namespace

bool plain_name(std::string_view name) {
  if (name.empty() || name.size() > 200 || name[0] == '.') return false;
  for (unsigned char c : name)
    if (!std::isalnum(c) && c != '-' && c != '_' && c != '.') return false;
  return true;
}

std::string conformance_case_name(std::string_view json_text, const std::string& file) {
  return checked_case_name(parse_transcript(json_text, file), file);
}

namespace {

conformance_input read_conformance_document(const json& doc, const std::string& file, const fs::path& case_dir,
                                            const options& opt) {
  conformance_input in;
  in.case_name = checked_case_name(doc, file);
  in.title = text_member(doc, "title", file + ":1", "");
  if (!fs::is_directory(case_dir)) throw import_error(file + ":1: case folder " + case_dir.string() + " not found");
  scenario& s = in.result;
  s.name = opt.name.empty() ? in.case_name : opt.name;
  bool had_sleep = false;
  try {
    for (auto& js : *member(doc, "sessions", json::value_t::array, file + ":1", true)) {
      std::string name = text_member(js, "file", file + ":1: a session"), proto = text_member(js, "proto", file + ":1: a session");
      // The script is read from the case folder and nowhere else.
      if (!plain_name(name))
        throw import_error(file + ":1: session file '" + shown_line(name) +
                           "' must be a plain file name in the case folder");
      // A plain name can still be a link out of the folder: only a regular
      // file is read (issue 10.1: a link's target was quoted in the error).
      std::error_code ec;
      auto kind = fs::symlink_status(case_dir / name, ec).type();
      if (kind != fs::file_type::regular)
        throw import_error(file + ":1: session file '" + name + "' " +
                           (kind == fs::file_type::not_found ? "not found in the case folder"
                                                             : "must be a regular file in the case folder, not a link "
                                                               "or another kind of file"));
      if (proto != "smtp") {
        in.skipped_sessions.push_back(name + " (" + proto + ")");
        continue;
      }
      in.has_smtp = true;
      s.sessions.push_back(import_session(js, case_dir / name, file, had_sleep));
    }
  } catch (const json::exception& e) {
    throw import_error(file + ":1: unexpected transcript structure: " + e.what());
  }
  std::string d = in.title + ". Imported from the XMail 1.27 conformance transcript " + in.case_name +
                  ".json; replies are XMail's, volatile parts (greeting token, dates, message "
                  "references, product token, ports, CRAM-MD5 challenges) matched by regular expressions.";
  if (!in.skipped_sessions.empty()) {
    d += " Only the SMTP sessions are imported (the POP3 and CTRL engines do not exist yet); left out:";
    for (auto& k : in.skipped_sessions) d += " " + k;
    d += ".";
  }
  if (had_sleep) d += " SLEEP directives become pauses of the virtual clock.";
  // "state" is what the case left behind; an older transcript may not have it.
  bool delivery = false;
  if (auto* state = member(doc, "state", json::value_t::object, file + ":1", false)) {
    std::string at = file + ":1: state";
    if (auto* boxes = member(*state, "mailboxes", json::value_t::object, at, false))
      for (auto& [box, msgs] : boxes->items()) {
        if (!msgs.is_array()) throw import_error(at + ": mailbox \"" + box + "\" must be a list");
        if (!msgs.empty()) delivery = true;
      }
    for (const char* list : {"frozen", "relayed", "spool_pending"})
      if (auto* v = member(*state, list, json::value_t::array, at, false); v && !v->empty()) delivery = true;
  }
  if (delivery)
    d += " Delivery results (mailboxes, frozen and relayed messages) are not checked: mailflow has no "
         "delivery engine yet; the expectations cover what the SMTP engine spools.";
  s.description = d;
  return in;
}

}  // namespace

conformance_input read_conformance(std::string_view json_text, const std::string& file, const fs::path& case_dir,
                                   const options& opt) {
  json doc = parse_transcript(json_text, file);
  try {
    return read_conformance_document(doc, file, case_dir, opt);
  } catch (const json::exception& e) {
    throw import_error(file + ":1: unexpected transcript structure: " + e.what());
  }
}

namespace {

// The folders import made under a fixtures folder, one name per line: the
// only ones it may replace (it never deletes what it did not make).
constexpr const char* manifest_name = ".mailflow-imported";

std::vector<std::string> imported_names(const fs::path& fixtures) {
  std::vector<std::string> names;
  std::ifstream in(fixtures / manifest_name);
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line[0] != '#') names.push_back(line);
  return names;
}

void record_imported(const fs::path& fixtures, const std::string& name) {
  auto names = imported_names(fixtures);
  if (std::find(names.begin(), names.end(), name) != names.end()) return;
  names.push_back(name);
  std::sort(names.begin(), names.end());
  std::string text = "# MailRoots written by 'mailflow import'; it replaces only these\n";
  for (auto& n : names) text += n + "\n";
  auto temp = fixtures / (std::string(manifest_name) + ".new");
  std::ofstream(temp, std::ios::binary | std::ios::trunc) << text;
  fs::rename(temp, fixtures / manifest_name);
}

void copy_tree(const fs::path& case_dir, const fs::path& src, const fs::path& dest) {
  fs::create_directories(dest);
  const std::string& base = src.native();
  for (auto it = fs::recursive_directory_iterator(src); it != fs::recursive_directory_iterator(); ++it) {
    fs::path rel = std::string_view(it->path().native()).substr(base.size() + 1);
    auto st = it->symlink_status();
    if (fs::is_directory(st)) {
      fs::create_directories(dest / rel);
      continue;
    }
    // A link could point anywhere: a case's MailRoot holds plain files only.
    if (!fs::is_regular_file(st))
      throw import_error(case_dir.string() + ":1: mailroot/" + rel.generic_string() + " is not a plain file");
    fs::copy_file(it->path(), dest / rel, fs::copy_options::overwrite_existing);
    // the case files are read-only; the fixture must stay editable
    bool script = rel.extension() == ".sh" || (st.permissions() & fs::perms::owner_exec) != fs::perms::none;
    fs::permissions(dest / rel, script ? fs::perms(0755) : fs::perms(0644), fs::perm_options::replace);
  }
  fs::path dirs = case_dir / "mailroot.dirs";
  if (fs::exists(dirs)) {
    std::istringstream in(read_file(dirs));
    std::string line;
    std::uint32_t n = 0;
    while (std::getline(in, line)) {
      ++n;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty() || line[0] == '#') continue;
      fs::path p(line);
      bool inside = !p.is_absolute();
      for (auto& part : p)
        if (part == ".." || part == ".") inside = false;
      if (!inside)
        throw import_error(dirs.string() + ":" + std::to_string(n) + ": path outside the MailRoot: " + shown_line(line));
      fs::create_directories(dest / p);
    }
  }
  // git keeps no empty folders: mark every empty one
  std::vector<fs::path> empty;
  for (auto& e : fs::recursive_directory_iterator(dest))
    if (e.is_directory() && fs::is_empty(e.path())) empty.push_back(e.path());
  for (auto& p : empty) std::ofstream(p / ".keep");
}

}  // namespace

void copy_case_mailroot(const fs::path& case_dir, const fs::path& dest) {
  fs::path src = case_dir / "mailroot";
  if (!fs::is_directory(src)) throw import_error(case_dir.string() + ":1: no mailroot/ folder");
  const fs::path fixtures = dest.parent_path().empty() ? fs::path(".") : dest.parent_path();
  const std::string name = dest.filename().string();
  if (!plain_name(name)) throw import_error(dest.string() + ":1: the MailRoot's folder must have a plain name");
  std::error_code ec;
  const bool exists = fs::exists(fs::symlink_status(dest, ec));
  if (exists) {
    auto made = imported_names(fixtures);
    const bool ours = std::find(made.begin(), made.end(), name) != made.end();
    const bool empty_folder = fs::is_directory(fs::symlink_status(dest, ec)) && fs::is_empty(dest, ec);
    if (!ours && !empty_folder)
      throw import_error(dest.string() + ":1: exists and was not made by 'mailflow import' (not in " +
                         (fixtures / manifest_name).string() + "); remove it or choose another --fixtures");
    if (ours && (fs::is_symlink(fs::symlink_status(dest, ec)) || !fs::is_directory(dest, ec)))
      throw import_error(dest.string() + ":1: is not a folder; it is left alone");
  }
  fs::create_directories(fixtures);
  // Written beside it first, so a failure leaves the old MailRoot whole.
  const fs::path fresh = fixtures / ("." + name + ".mailflow-new");
  fs::remove_all(fresh, ec);  // our own leftover from a failed run
  try {
    copy_tree(case_dir, src, fresh);
  } catch (...) {
    fs::remove_all(fresh, ec);
    throw;
  }
  if (exists) fs::remove_all(dest);
  fs::rename(fresh, dest);
  record_imported(fixtures, name);
}

}  // namespace mailflow::import
