#include "args.hpp"

#include <iostream>

namespace mailflow::cli {

std::optional<std::string> parsed_args::get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> parsed_args::all(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

arg_parser::arg_parser(std::string command, std::string synopsis, std::string description)
    : command_(std::move(command)), synopsis_(std::move(synopsis)), description_(std::move(description)) {}

arg_parser& arg_parser::option(option_spec spec) {
  options_.push_back(std::move(spec));
  return *this;
}

const option_spec* arg_parser::find_long(std::string_view name) const {
  for (auto& o : options_)
    if (o.name == name) return &o;
  return nullptr;
}

const option_spec* arg_parser::find_short(std::string_view name) const {
  for (auto& o : options_)
    if (!o.short_name.empty() && o.short_name == name) return &o;
  return nullptr;
}

std::string arg_parser::usage() const {
  std::string out = "usage: mailflow " + command_ + " " + synopsis_ + "\n\n" + description_ + "\n";
  if (!options_.empty()) out += "\noptions:\n";
  for (auto& o : options_) {
    std::string left = "  ";
    if (!o.short_name.empty()) left += "-" + o.short_name + ", ";
    left += "--" + o.name;
    if (o.takes_value) left += " " + (o.value_name.empty() ? std::string("VALUE") : o.value_name);
    if (left.size() < 30) left.resize(30, ' ');
    else left += "  ";
    out += left + o.help + (o.repeatable ? " (repeatable)" : "") + "\n";
  }
  out += "  --help                      show this help\n";
  return out;
}

int arg_parser::usage_error(const std::string& message) const {
  std::cerr << "mailflow " << command_ << ": " << message << "\n"
            << "try 'mailflow " << command_ << " --help'\n";
  return 2;
}

std::optional<parsed_args> arg_parser::parse(int argc, char** argv, bool& help_shown) const {
  parsed_args out;
  help_shown = false;
  bool only_positional = false;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (only_positional || a.size() < 2 || a[0] != '-') {
      out.positional_.push_back(a);
      continue;
    }
    if (a == "--") {
      only_positional = true;
      continue;
    }
    if (a == "--help" || a == "-h") {
      std::cout << usage();
      help_shown = true;
      return out;
    }
    const option_spec* spec = nullptr;
    std::optional<std::string> inline_value;
    if (a.rfind("--", 0) == 0) {
      auto eq = a.find('=');
      spec = find_long(a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2));
      if (eq != std::string::npos) inline_value = a.substr(eq + 1);
    } else {
      spec = find_short(a.substr(1, 1));
      if (spec && a.size() > 2) inline_value = a.substr(2);  // -j4
      if (!spec) spec = find_short(a.substr(1));
      if (spec && spec->short_name.size() > 1) inline_value.reset();
    }
    if (!spec) {
      usage_error("unknown option '" + a + "'");
      return std::nullopt;
    }
    std::string value;
    if (spec->takes_value) {
      if (inline_value) {
        value = *inline_value;
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        usage_error("option '" + a + "' needs a value");
        return std::nullopt;
      }
    } else if (inline_value) {
      usage_error("option '" + a + "' takes no value");
      return std::nullopt;
    }
    auto& slot = out.values_[spec->name];
    if (!slot.empty() && !spec->repeatable && spec->takes_value) {
      usage_error("option '--" + spec->name + "' given twice");
      return std::nullopt;
    }
    slot.push_back(value);
  }
  return out;
}

}  // namespace mailflow::cli
