#include <iostream>

#include "commands.hpp"

namespace mailflow::cli {

int run_bench(int, char**) {
  std::cerr << "mailflow bench: not implemented yet\n";
  return 2;
}

}  // namespace mailflow::cli
