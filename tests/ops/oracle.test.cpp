// The activations against PyTorch 1.13's values (tests/data/oracles): output
// and the input's gradient for the case's upstream gradient.

#include <cmath>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <tinynn/autograd.hpp>
#include <tinynn/ops.hpp>

#include "support/approx.hpp"
#include "support/oracle.hpp"

using namespace tinynn;
using test::check_close;

namespace {

Tensor apply(const test::OracleCase& c, const Tensor& x) {
    if (c.op == "relu")
        return relu(x);
    if (c.op == "sigmoid")
        return sigmoid(x);
    if (c.op == "tanh")
        return tanh(x);
    if (c.op == "leaky_relu")
        return leaky_relu(x, c.params.at("negative_slope").get<float>());
    if (c.op == "softmax")
        return softmax(x, c.params.at("dim").get<int64_t>());
    if (c.op == "log_softmax")
        return log_softmax(x, c.params.at("dim").get<int64_t>());
    FAIL("no activation named " << c.op);
    return {};
}

}  // namespace

TEST_CASE("activations match the PyTorch oracle", "[ops][oracle]") {
    const std::set<std::string> ops = {"relu",       "sigmoid", "tanh",
                                       "leaky_relu", "softmax", "log_softmax"};
    std::set<std::string> seen;
    for (const test::OracleCase& c : test::oracle_cases()) {
        if (!ops.count(c.op))
            continue;
        seen.insert(c.name);
        SECTION(c.name) {
            const Tensor x = c.inputs.at("x").detach().requires_grad_();
            const Tensor y = apply(c, x);
            {
                INFO("output");
                check_close(y, c.outputs.at("y"));
            }
            const std::vector<Tensor> g = grad(y, {x}, c.inputs.at("grad_output"));
            INFO("gradient");
            check_close(g[0], c.grads.at("x"));
            for (float v : g[0].to_vector())
                CHECK(std::isfinite(v));
        }
    }
    // The file lists 12 such cases; losing some to a renamed op must fail.
    CHECK(seen.size() == 12);
    const std::vector<std::string> expected = {"relu",
                                               "sigmoid",
                                               "tanh",
                                               "leaky_relu_0.01",
                                               "leaky_relu_0.2",
                                               "softmax_dim1",
                                               "log_softmax_dim1",
                                               "softmax_dim0_vector",
                                               "example_sigmoid_linspace",
                                               "example_tanh_linspace",
                                               "example_relu_linspace",
                                               "example_leaky_relu_0.03"};
    for (const std::string& name : expected) {
        INFO(name);
        CHECK(seen.count(name) == 1);
    }
}

TEST_CASE("the oracle cases also hold on linspace's own output", "[ops][oracle][linspace]") {
    // SPEC §5's first lines: sigmoid(linspace(-100, 100, 10)).
    const test::OracleCase& s = test::oracle_case("example_sigmoid_linspace");
    check_close(sigmoid(linspace(-100, 100, 10)), s.outputs.at("y"));
    const test::OracleCase& t = test::oracle_case("example_tanh_linspace");
    check_close(tanh(linspace(-1, 1, 10)), t.outputs.at("y"));
    const test::OracleCase& r = test::oracle_case("example_relu_linspace");
    check_close(relu(linspace(-1, 1, 10)), r.outputs.at("y"));
}

TEST_CASE("softmax Jacobian matches the oracle row by row", "[ops][oracle][softmax]") {
    const test::OracleCase& c = test::oracle_case("example_softmax_jacobian");
    const int64_t dim = c.params.at("dim").get<int64_t>();
    const Tensor a = c.inputs.at("a").detach().requires_grad_();
    const Tensor p = softmax(a, dim);
    check_close(p, c.outputs.at("p"));
    const Tensor& jacobian = c.outputs.at("jacobian");  // [i][j] = d p[i] / d a[j]
    REQUIRE(jacobian.shape() == Shape{3, 3});
    for (int64_t i = 0; i < 3; ++i) {
        INFO("row " << i);
        const std::vector<Tensor> row = grad(p[i], {a}, /*retain_graph=*/i < 2);
        check_close(row[0], jacobian[i].detach());
    }
}
