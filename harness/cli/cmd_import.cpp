// mailflow import: a recorded session (the seed's format, S:/C: lines, or a
// conformance transcript with its case folder) to a scenario that expects
// the recorded replies. For a conformance case the case's MailRoot is copied
// into the fixtures folder and the scenario points at the copy.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "args.hpp"
#include "commands.hpp"
#include "import/import.hpp"
#include "pattern/pattern.hpp"
#include "text_escape.hpp"

namespace mailflow::cli {

namespace fs = std::filesystem;

namespace {

// The fixture path as the scenario writes it: relative to the scenario's folder.
std::string relative_to_scenario(const fs::path& dir, const fs::path& output) {
  auto base = fs::weakly_canonical(fs::absolute(output)).parent_path();
  auto target = fs::weakly_canonical(fs::absolute(dir));
  return target.lexically_relative(base).generic_string();
}

}  // namespace

int run_import(int argc, char** argv) {
  arg_parser p("import", "TRANSCRIPT -o SCENARIO.xml [options]",
               "Turn a recorded session into a scenario that expects the recorded replies. TRANSCRIPT is\n"
               "the seed's format (server lines start with a reply code, parenthesised narration), plain\n"
               "S:/C: lines, or a conformance transcript (JSON) with its case folder; the format is\n"
               "detected. Volatile parts of replies become regular expressions. A transcript is untrusted:\n"
               "its case name and session files must be plain names, and session files regular files in\n"
               "the case folder.");
  p.option({"output", "o", true, false, "FILE", "the scenario to write (required)"})
      .option({"mailroot", "", true, false, "DIR", "the MailRoot fixture (seed and S:/C: input); written relative "
                                                   "to the scenario (default fixtures/mailroots/hunet)"})
      .option({"secret", "", true, false, "TEXT", "stands for masked client lines (****), e.g. the password"})
      .option({"name", "", true, false, "NAME", "scenario name (default: the case or file name)"})
      .option({"case", "", true, false, "DIR", "conformance case folder (default: cases/<case> next to the "
                                               "transcript's folder)"})
      .option({"fixtures", "", true, false, "DIR", "where a conformance case's MailRoot is copied (default "
                                                   "fixtures/mailroots/conformance). import replaces only a "
                                                   "folder it made (listed in DIR/.mailflow-imported) or an "
                                                   "empty one; any other is an error and left alone"});
  bool help = false;
  auto args = p.parse(argc, argv, help);
  if (help) return 0;
  if (!args) return 2;
  if (args->positional().size() != 1) return p.usage_error("expected one TRANSCRIPT");
  auto output = args->get("output");
  if (!output) return p.usage_error("-o SCENARIO.xml is required");
  fs::path input = args->positional()[0];

  std::ifstream in(input, std::ios::binary);
  if (!in) {
    std::cerr << input.string() << ":1: error: cannot read the transcript\n";
    return 2;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();

  import::options opt;
  opt.secret = args->get("secret");
  opt.name = args->get("name").value_or("");
  try {
    import::scenario s;
    auto format = import::detect_format(text);
    if (format == import::transcript_format::conformance) {
      // the case name comes from the JSON; cases/ sits next to golden/
      fs::path case_dir;
      if (auto c = args->get("case")) {
        case_dir = *c;
      } else {
        case_dir = input.parent_path().parent_path() / "cases" / import::conformance_case_name(text, input.string());
      }
      auto conf = import::read_conformance(text, input.string(), case_dir, opt);
      if (!conf.has_smtp) {
        std::cerr << input.string() << ":1: error: no SMTP session in " << conf.case_name
                  << " (only SMTP sessions can be imported)\n";
        return 2;
      }
      fs::path fixture = fs::path(args->get("fixtures").value_or("fixtures/mailroots/conformance")) / conf.case_name;
      if (args->has("mailroot")) {
        fixture = *args->get("mailroot");
      } else {
        import::copy_case_mailroot(case_dir, fixture);
      }
      s = std::move(conf.result);
      s.mailroot = relative_to_scenario(fixture, *output);
    } else {
      s = format == import::transcript_format::seed ? import::read_seed(text, input.string(), opt)
                                                    : import::read_plain(text, input.string(), opt);
      s.mailroot = relative_to_scenario(args->get("mailroot").value_or("fixtures/mailroots/hunet"), *output);
    }
    import::derive_messages(s);
    std::ofstream out(*output, std::ios::binary | std::ios::trunc);
    if (!out) {
      std::cerr << *output << ":1: error: cannot write the scenario\n";
      return 2;
    }
    out << import::to_xml(s);
    if (!out.flush()) {
      std::cerr << *output << ":1: error: write failed\n";
      return 2;
    }
  } catch (const import::import_error& e) {
    // "file:line: message" -> "file:line: error: message"
    std::string what = e.what();
    static const boost::regex located = harness::ecmascript_regex(R"(^(.*?:[0-9]+): (.*)$)");
    boost::smatch m;
    if (boost::regex_match(what, m, located, harness::ecmascript_match)) what = m.str(1) + ": error: " + m.str(2);
    std::cerr << reports::terminal_text(what, 400) << "\n";  // it may quote the transcript's bytes
    return 2;
  } catch (const fs::filesystem_error& e) {
    std::cerr << e.path1().string() << ":1: error: " << e.code().message() << "\n";
    return 2;
  } catch (const std::exception& e) {
    // Anything else is a bug in import, but still an error, never an abort.
    std::cerr << input.string() << ":1: error: cannot import: " << reports::terminal_text(e.what(), 400) << "\n";
    return 2;
  }
  return 0;
}

}  // namespace mailflow::cli
