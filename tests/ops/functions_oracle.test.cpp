// SPEC §7's tensor functions against PyTorch 1.13's values
// (tests/data/oracles/functions.json, gen_functions.py): each case's output,
// its inputs' gradients for the case's upstream gradient, and an Error
// wherever torch raises.

#include <cmath>
#include <functional>
#include <map>
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
using test::OracleCase;

namespace {

const char* const kFile = "functions.json";

using Binary = std::function<Tensor(const Tensor&, const Tensor&)>;
using WithNumber = std::function<Tensor(const Tensor&, float)>;

const std::map<std::string, Binary> kComparisons = {
    {"eq", [](const Tensor& a, const Tensor& b) { return eq(a, b); }},
    {"ne", [](const Tensor& a, const Tensor& b) { return ne(a, b); }},
    {"lt", [](const Tensor& a, const Tensor& b) { return lt(a, b); }},
    {"le", [](const Tensor& a, const Tensor& b) { return le(a, b); }},
    {"gt", [](const Tensor& a, const Tensor& b) { return gt(a, b); }},
    {"ge", [](const Tensor& a, const Tensor& b) { return ge(a, b); }},
};
const std::map<std::string, WithNumber> kNumberComparisons = {
    {"eq", [](const Tensor& a, float b) { return eq(a, b); }},
    {"ne", [](const Tensor& a, float b) { return ne(a, b); }},
    {"lt", [](const Tensor& a, float b) { return lt(a, b); }},
    {"le", [](const Tensor& a, float b) { return le(a, b); }},
    {"gt", [](const Tensor& a, float b) { return gt(a, b); }},
    {"ge", [](const Tensor& a, float b) { return ge(a, b); }},
};

Tensor compute(const OracleCase& c, const std::map<std::string, Tensor>& in) {
    const std::string& op = c.op;
    const auto dim = [&c] { return c.params.at("dim").get<int64_t>(); };
    const auto keepdim = [&c] { return c.params.at("keepdim").get<bool>(); };
    if (op == "max_dim")
        return max(in.at("x"), dim(), keepdim());
    if (op == "min_dim")
        return min(in.at("x"), dim(), keepdim());
    if (op == "argmax_dim")
        return argmax(in.at("x"), dim(), keepdim());
    if (op == "argmin_dim")
        return argmin(in.at("x"), dim(), keepdim());
    if (op == "max_all")
        return max(in.at("x"));
    if (op == "min_all")
        return min(in.at("x"));
    if (op == "argmax_all")
        return argmax(in.at("x"));
    if (op == "argmin_all")
        return argmin(in.at("x"));
    if (kComparisons.count(op)) {
        if (c.params.value("b_is_number", false))
            return kNumberComparisons.at(op)(in.at("a"), in.at("b").item());
        return kComparisons.at(op)(in.at("a"), in.at("b"));
    }
    if (op == "where")
        return where(in.at("cond"), in.at("a"), in.at("b"));
    if (op == "cat") {
        std::vector<Tensor> tensors;
        for (int i = 0; i < c.params.at("count").get<int>(); ++i) {
            // Appended, not "t" + to_string(i): GCC 12 warns falsely
            // (-Wrestrict) on a literal plus a temporary string.
            std::string name = "t";
            name += std::to_string(i);
            tensors.push_back(in.at(name));
        }
        return cat(tensors, dim());
    }
    if (op == "unsqueeze")
        return unsqueeze(in.at("x"), dim());
    if (op == "squeeze")
        return squeeze(in.at("x"), dim());
    if (op == "squeeze_all")
        return squeeze(in.at("x"));
    if (op == "sin")
        return sin(in.at("x"));
    if (op == "cos")
        return cos(in.at("x"));
    FAIL("no function for the oracle op " << op);
    return {};
}

void check_signs(const Tensor& got, const Tensor& want) {
    const std::vector<float> g = got.to_vector();
    const std::vector<float> w = want.to_vector();
    REQUIRE(g.size() == w.size());
    for (size_t i = 0; i < g.size(); ++i) {
        INFO("element " << i << ": got " << g[i] << ", want " << w[i]);
        CHECK((std::isnan(w[i]) || std::signbit(g[i]) == std::signbit(w[i])));
    }
}

// Runs every case whose op is in `ops`; returns how many ran.
int check_cases(const std::set<std::string>& ops, double rtol = 0, double atol = 0) {
    int ran = 0;
    for (const OracleCase& c : test::oracle_cases(kFile)) {
        if (!ops.count(c.op))
            continue;
        ++ran;
        INFO("case " << c.name);
        // Fresh leaves, the ones torch differentiated requiring grad.
        std::map<std::string, Tensor> in;
        std::vector<Tensor> differentiated;
        for (const auto& [name, value] : c.inputs) {
            Tensor leaf = value.detach();
            if (c.grads.count(name)) {
                leaf.requires_grad_();
                differentiated.push_back(leaf);
            }
            in.emplace(name, leaf);
        }
        if (c.params.contains("torch_error")) {
            INFO("torch raised: " << c.params.at("torch_error").get<std::string>());
            CHECK_THROWS_AS(compute(c, in), Error);
            continue;
        }
        const Tensor y = compute(c, in);
        {
            INFO("output");
            check_close(y, c.outputs.at("y"), rtol, atol);
            if (rtol == 0 && atol == 0)  // exact: -0 is not 0 either
                check_signs(y, c.outputs.at("y"));
        }
        if (differentiated.empty()) {
            CHECK_FALSE(y.requires_grad());
            continue;
        }
        const std::vector<Tensor> g = grad(y, differentiated, in.at("grad_output"));
        size_t k = 0;
        for (const auto& [name, value] : c.inputs) {
            if (!c.grads.count(name))
                continue;
            INFO("gradient of " << name);
            check_close(g[k++], c.grads.at(name), rtol, atol);
        }
    }
    return ran;
}

}  // namespace

// Outside sin and cos the functions only pick, compare and move values, so
// they must give torch's values exactly (NaN for NaN).

TEST_CASE("max, min, argmax and argmin match the PyTorch oracle", "[ops][oracle][select]") {
    CHECK(check_cases({"max_dim", "min_dim", "argmax_dim", "argmin_dim", "max_all", "min_all",
                       "argmax_all", "argmin_all"}) == 194);
}

TEST_CASE("comparisons and where match the PyTorch oracle", "[ops][oracle][compare]") {
    CHECK(check_cases({"eq", "ne", "lt", "le", "gt", "ge", "where"}) == 66);
}

TEST_CASE("cat, unsqueeze and squeeze match the PyTorch oracle", "[ops][oracle][join]") {
    CHECK(check_cases({"cat", "unsqueeze", "squeeze", "squeeze_all"}) == 58);
}

TEST_CASE("sin and cos match the PyTorch oracle", "[ops][oracle][trig]") {
    // Libraries' sin and cos differ in the last bits.
    CHECK(check_cases({"sin", "cos"}, 1e-5, 1e-6) == 8);
}

TEST_CASE("every case of the functions oracle is checked", "[ops][oracle]") {
    const std::set<std::string> checked = {
        "max_dim",    "min_dim", "argmax_dim", "argmin_dim", "max_all",     "min_all", "argmax_all",
        "argmin_all", "eq",      "ne",         "lt",         "le",          "gt",      "ge",
        "where",      "cat",     "unsqueeze",  "squeeze",    "squeeze_all", "sin",     "cos"};
    const std::vector<OracleCase>& cases = test::oracle_cases(kFile);
    CHECK(cases.size() == 326);
    for (const OracleCase& c : cases) {
        INFO("case " << c.name);
        CHECK(checked.count(c.op) == 1);
    }
}
