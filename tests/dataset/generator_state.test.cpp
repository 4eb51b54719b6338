// Generator::state / set_state: a generator put back in a saved state draws
// exactly what the original draws next (what resuming a run relies on).

#include <vector>

#include <catch2/catch.hpp>
#include <tinynn/data/loader.hpp>
#include <tinynn/random.hpp>
#include <tinynn/tensor.hpp>

using tinynn::Error;
using tinynn::Generator;

TEST_CASE("A generator set to a saved state continues the same sequence", "[random][state]") {
    Generator a(7);
    for (int i = 0; i < 1000; ++i)
        a.next_u64();
    a.normal();  // leaves a spare normal value
    const std::string saved = a.state();
    Generator b(99);
    b.set_state(saved);
    CHECK(b.state() == saved);
    for (int i = 0; i < 100; ++i) {
        CHECK(a.normal() == b.normal());
        CHECK(a.uniform() == b.uniform());
        CHECK(a.below(1000) == b.below(1000));
    }
    CHECK_THROWS_AS(b.set_state("not a state"), Error);
    CHECK_THROWS_AS(b.set_state(saved + " 1"), Error);
}

TEST_CASE("A loader whose generator is restored shuffles as the original", "[random][state]") {
    tinynn::data::Dataset data;
    data.features = tinynn::arange(0, 20).reshape({20, 1});  // [20, 1]
    data.targets = tinynn::arange(0, 20);                    // [20]
    tinynn::data::DataLoader first(data, 4, true, 3);
    for (int epoch = 0; epoch < 5; ++epoch)
        first.start_epoch();
    tinynn::data::DataLoader second(data, 4, true, 1234);
    second.generator().set_state(first.generator().state());
    first.start_epoch();
    second.start_epoch();
    for (int64_t b = 0; b < first.num_batches(); ++b)
        CHECK(first.batch(b).features.to_vector() == second.batch(b).features.to_vector());
}
