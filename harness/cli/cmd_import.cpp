#include <iostream>

#include "commands.hpp"

namespace mailflow::cli {

int run_import(int, char**) {
  std::cerr << "mailflow import: not implemented yet\n";
  return 2;
}

}  // namespace mailflow::cli
