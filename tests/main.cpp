#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "support/skip.hpp"

int main(int argc, char* argv[]) {
    return tinynn::test::exit_status(Catch::Session().run(argc, argv));
}
