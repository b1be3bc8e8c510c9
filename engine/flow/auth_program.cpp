#include "flow/auth_program.hpp"

#include <fstream>
#include <iterator>

#include "config/mailroot.hpp"
#include "core/text.hpp"
#include "flow/smtp_filters.hpp"

namespace mailflow::flow {

namespace {
// The last complete "Perms=" line of the file, if any.
std::optional<std::string> rfile_perms(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string content;
  content.resize(64 * 1024);  // a permissions file is a few lines: more is not read
  in.read(content.data(), static_cast<std::streamsize>(content.size()));
  content.resize(static_cast<std::size_t>(in.gcount()));
  std::optional<std::string> perms;
  std::size_t start = 0;
  for (auto nl = content.find('\n'); nl != std::string::npos; nl = content.find('\n', start)) {
    std::string_view line = trim(std::string_view(content).substr(start, nl - start));
    if (istarts_with(line, "Perms=")) perms = std::string(line.substr(6));
    start = nl + 1;
  }
  return perms;
}
}  // namespace

auth_program_result run_auth_program(process_runner& runner, const auth_program& program,
                                     const std::filesystem::path& mailroot, const std::filesystem::path& temp_dir,
                                     const std::string& rfile_name, int utc_offset_minutes) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(temp_dir, ec);
  const std::string rfile = (temp_dir / rfile_name).string();
  fs::remove(rfile, ec);
  auto macros = program.macros;
  macros["RFILE"] = rfile;
  const std::string root = fs::absolute(mailroot, ec).string();
  process_request request;
  for (auto& a : program.argv) request.argv.push_back(config::expand_root(expand_macros(a, macros), root));
  request.environment = fixed_environment(mailroot, utc_offset_minutes);
  request.timeout_seconds = program.timeout_seconds;
  auth_program_result out;
  out.process = runner.run(request);
  out.perms = rfile_perms(rfile);
  fs::remove(rfile, ec);
  return out;
}

}  // namespace mailflow::flow
