#include <iostream>

#include "commands.hpp"

namespace mailflow::cli {

int run_verify(int, char**) {
  std::cerr << "mailflow verify: not implemented yet\n";
  return 2;
}

}  // namespace mailflow::cli
