#include <iostream>

#include "commands.hpp"

namespace mailflow::cli {

int run_replay(int, char**) {
  std::cerr << "mailflow replay: not implemented yet\n";
  return 2;
}

}  // namespace mailflow::cli
