// Writes docs/config.md from the config schema: the program behind
// `cmake --build build --target config_doc`. tests/config fails while the
// file in the repository differs from what this writes.

#include <fstream>
#include <iostream>

#include "tinynn/cli/config.hpp"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: tinynn_config_doc OUTPUT.md\n";
        return 2;
    }
    std::ofstream out(argv[1], std::ios::binary | std::ios::trunc);
    out << tinynn::cli::config_reference();
    out.close();
    if (!out) {
        std::cerr << "tinynn_config_doc: cannot write " << argv[1] << "\n";
        return 1;
    }
    return 0;
}
