#include <iostream>

#include "commands.hpp"

namespace mailflow::cli {

int run_trace(int, char**) {
  std::cerr << "mailflow trace: not implemented yet\n";
  return 2;
}

}  // namespace mailflow::cli
