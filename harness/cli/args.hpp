// Command-line parsing shared by every subcommand: --name value, --name=value,
// short aliases (-o FILE), repeatable options and positional arguments. A
// usage error is reported as "mailflow CMD: message" and exit code 2.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace mailflow::cli {

struct option_spec {
  std::string name;        // long name without dashes: "format"
  std::string short_name;  // "o" for -o, or empty
  bool takes_value = true;
  bool repeatable = false;
  std::string value_name;  // for --help: "FILE"
  std::string help;
};

class parsed_args {
 public:
  bool has(const std::string& name) const { return values_.count(name) > 0; }
  std::optional<std::string> get(const std::string& name) const;
  std::vector<std::string> all(const std::string& name) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  friend class arg_parser;
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positional_;
};

class arg_parser {
 public:
  arg_parser(std::string command, std::string synopsis, std::string description);
  arg_parser& option(option_spec spec);
  // Parses argv after the subcommand name; on error prints it and returns nullopt.
  // --help prints usage to stdout and sets `help_shown`.
  std::optional<parsed_args> parse(int argc, char** argv, bool& help_shown) const;
  std::string usage() const;
  // Prints "mailflow CMD: message" to stderr and returns 2.
  int usage_error(const std::string& message) const;

 private:
  const option_spec* find_long(std::string_view name) const;
  const option_spec* find_short(std::string_view name) const;
  std::string command_, synopsis_, description_;
  std::vector<option_spec> options_;
};

}  // namespace mailflow::cli
