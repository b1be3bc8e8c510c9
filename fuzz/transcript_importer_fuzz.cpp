// libFuzzer target: mailflow import (harness/import) on arbitrary bytes, the
// way `mailflow import` reads them: detect_format, then the seed or S:/C:
// reader on the text, or the conformance JSON with its case folder.
//
// Input: the transcript, then any number of "\n=== NAME\n" sections, each a
// file NAME written into the case folder (a temporary folder made once per
// process). Beside the case folder lies outside.smtp, and in it are a link to
// that file, a FIFO and a folder, all with names a transcript may give.
// Invariants:
//  - no crash, and nothing but import_error escapes;
//  - an error cites "FILE:LINE:" with FILE the transcript or a file of the
//    case folder, and LINE within that file;
//  - nothing outside the case folder is read: outside.smtp's marker never
//    shows in a result or an error, and the FIFO is never opened (it would
//    block: libFuzzer reports a timeout);
//  - what import writes reads back as a scenario (harness/scenario).
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "import/import.hpp"
#include "scenario/scenario.hpp"

namespace {

namespace fs = std::filesystem;
using namespace mailflow;

[[noreturn]] void violated(const char* what, const std::string& detail) {
  std::fprintf(stderr, "invariant violated: %s\n%s\n", what, detail.substr(0, 2000).c_str());
  std::abort();
}

constexpr std::string_view marker = "OUTSIDE-THE-CASE-FOLDER";
constexpr std::string_view separator = "\n=== ";
const std::set<std::string> fixed_names = {"link.smtp", "pipe.smtp", "folder.smtp"};

struct folders {
  fs::path base, case_dir;
  folders() {
    // under TMPDIR like every other temporary folder of the project
    std::string tmpl = (fs::temp_directory_path() / "mailflow-fuzz-import-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) violated("cannot make the temporary folder", tmpl);
    base = tmpl;
    case_dir = base / "case";
    fs::create_directories(case_dir / "folder.smtp");
    std::ofstream(base / "outside.smtp") << "C: EHLO " << marker << "\n";
    fs::create_symlink("../outside.smtp", case_dir / "link.smtp");
    if (::mkfifo((case_dir / "pipe.smtp").c_str(), 0600) != 0) violated("cannot make the FIFO", case_dir.string());
  }
  ~folders() {
    std::error_code ec;
    fs::remove_all(base, ec);
  }
};

std::size_t line_count(std::string_view text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
}

// "PREFIX:LINE:" with LINE from 1 to `lines`.
bool cites(const std::string& error, const std::string& prefix, std::size_t lines) {
  if (error.compare(0, prefix.size() + 1, prefix + ":") != 0) return false;
  std::size_t i = prefix.size() + 1, line = 0, digits = 0;
  for (; i < error.size() && error[i] >= '0' && error[i] <= '9' && digits < 10; ++i, ++digits)
    line = line * 10 + static_cast<std::size_t>(error[i] - '0');
  return digits > 0 && i < error.size() && error[i] == ':' && line >= 1 && line <= lines;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static folders dirs;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::string transcript_name = "golden/fuzz.json";

  // The transcript and the case folder's files.
  std::string_view transcript = input.substr(0, input.find(separator));
  std::map<std::string, std::string> files;
  for (std::size_t at = input.find(separator); at != std::string_view::npos;) {
    const std::size_t name_start = at + separator.size();
    const std::size_t name_end = std::min(input.find('\n', name_start), input.size());
    const std::size_t next = input.find(separator, name_end);
    std::string name(input.substr(name_start, name_end - name_start));
    std::string_view content = name_end < input.size() ? input.substr(name_end + 1, next == std::string_view::npos
                                                                                           ? std::string_view::npos
                                                                                           : next - name_end - 1)
                                                       : std::string_view{};
    if (import::plain_name(name) && !fixed_names.count(name) && files.size() < 8) files[name] = content;
    at = next;
  }
  std::error_code ec;
  for (auto& e : fs::directory_iterator(dirs.case_dir, ec))
    if (!fixed_names.count(e.path().filename().string())) fs::remove(e.path(), ec);
  for (auto& [name, content] : files) std::ofstream(dirs.case_dir / name, std::ios::binary) << content;

  import::options opt;
  opt.secret = "fuzzsecret";
  std::string xml, error;
  try {
    import::scenario s;
    const auto format = import::detect_format(transcript);
    if (format == import::transcript_format::conformance) {
      auto conf = import::read_conformance(transcript, transcript_name, dirs.case_dir, opt);
      if (!conf.has_smtp) return 0;  // the CLI stops here: nothing to import
      s = std::move(conf.result);
    } else {
      s = format == import::transcript_format::seed ? import::read_seed(transcript, transcript_name, opt)
                                                    : import::read_plain(transcript, transcript_name, opt);
    }
    s.mailroot = "../fixtures/case";  // as the CLI sets it
    import::derive_messages(s);
    xml = import::to_xml(s);
  } catch (const import::import_error& e) {
    error = e.what();
  } catch (const std::exception& e) {
    violated("an exception other than import_error", e.what());
  }

  // the marker proves a read only when the input does not hold it itself (libFuzzer learns it from the checks)
  const bool marked = input.find(marker) == std::string_view::npos;
  if (!error.empty()) {
    if (marked && error.find(marker) != std::string::npos) violated("an error shows a file outside the case folder", error);
    bool ok = cites(error, transcript_name, line_count(transcript));
    for (auto& [name, content] : files) ok = ok || cites(error, (dirs.case_dir / name).string(), line_count(content));
    if (!ok) violated("an error does not cite a line of the transcript or of a case file", error);
    return 0;
  }
  if (marked && xml.find(marker) != std::string::npos) violated("the scenario holds a file outside the case folder", xml);
  std::string back;
  if (!harness::parse_scenario(xml, "imported.xml", back)) violated("the imported scenario does not read back", back + "\n" + xml);
  return 0;
}
