// The subcommands of the mailflow executable; each lives in its own cmd_*.cpp.
// argv excludes "mailflow" and the subcommand name. Exit codes (PRODUCT.md):
// 0 success, 1 a check or scenario failed, 2 usage error or unreadable input.
#pragma once

namespace mailflow::cli {

int run_verify(int argc, char** argv);
int run_trace(int argc, char** argv);
int run_replay(int argc, char** argv);
int run_import(int argc, char** argv);
int run_serve(int argc, char** argv);
int run_bench(int argc, char** argv);

}  // namespace mailflow::cli
