// Answers an auth_program request (core/request.hpp; manual: SMTPEXTAUTH.TAB):
// the external program that checks an SMTP login. It gets the macros AUTH,
// USER, PASS, CHALL, DGEST and RFILE (a fresh file the program may write
// "Perms=..." lines to), runs without a shell with fixed_environment(), and
// exit code 0 means the credentials are good. Only complete
// (newline-terminated) "Perms=" lines count: case [112] shows "Perms=MR"
// written without a line ending does not give XMail 1.27 relay rights.
#pragma once

#include <filesystem>
#include <string>

#include "core/request.hpp"

namespace mailflow::flow {

// `rfile_name` is a file name inside `temp_dir` (made if missing); it is removed before and after.
auth_program_result run_auth_program(process_runner& runner, const auth_program& program,
                                     const std::filesystem::path& mailroot, const std::filesystem::path& temp_dir,
                                     const std::string& rfile_name, int utc_offset_minutes);

}  // namespace mailflow::flow
