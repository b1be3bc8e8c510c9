#include <iostream>

#include "commands.hpp"

namespace mailflow::cli {

int run_serve(int, char**) {
  std::cerr << "mailflow serve: not implemented yet\n";
  return 2;
}

}  // namespace mailflow::cli
