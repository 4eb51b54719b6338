// The tinynn command (SPEC §2): the command library's main, with the
// built-in models only.
#include "tinynn/cli.hpp"

int main(int argc, char** argv) {
    return tinynn::cli::main(argc, argv);
}
