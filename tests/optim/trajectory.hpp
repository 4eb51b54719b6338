#pragma once

// The PyTorch trajectories of tests/data/oracles/optim.json (gen_optim.py,
// described in the README there), shared by adam.test.cpp and
// scheduler.test.cpp.

#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <tinynn/optim.hpp>
#include <tinynn/tensor.hpp>

namespace tinynn::test {

inline const nlohmann::json& optim_oracle() {
    static const nlohmann::json oracle = [] {
        const std::string path = std::string(TINYNN_TEST_DATA_DIR) + "/oracles/optim.json";
        std::ifstream in(path);
        if (!in)
            throw std::runtime_error("cannot open " + path);
        return nlohmann::json::parse(in);
    }();
    return oracle;
}

inline const nlohmann::json& optim_case(const char* list, const std::string& name) {
    for (const nlohmann::json& c : optim_oracle().at(list))
        if (c.at("name") == name)
            return c;
    throw std::runtime_error(std::string("optim.json has no ") + list + " case " + name);
}

// {"shape": [...], "data": [...]}, or null for no grad: an undefined tensor.
inline Tensor oracle_tensor(const nlohmann::json& j) {
    if (j.is_null())
        return Tensor();
    std::vector<float> data;
    for (const nlohmann::json& v : j.at("data"))
        data.push_back(static_cast<float>(v.get<double>()));
    return Tensor(data, j.at("shape").get<Shape>());
}

inline std::vector<Tensor> oracle_parameters(const nlohmann::json& c) {
    std::vector<Tensor> params;
    for (const nlohmann::json& t : c.at("start"))
        params.push_back(oracle_tensor(t).requires_grad_());
    return params;
}

// The case's optimiser over `params`, from its torch options.
inline std::unique_ptr<optim::Optimizer> oracle_optimizer(const nlohmann::json& c,
                                                          std::vector<Tensor> params) {
    const nlohmann::json& o = c.at("options");
    const std::string kind = c.at("optimizer");
    if (kind == "SGD")
        return std::make_unique<optim::SGD>(
            params, optim::SGDOptions{.lr = static_cast<float>(o.value("lr", 0.001)),
                                      .momentum = static_cast<float>(o.value("momentum", 0.0))});
    const std::vector<double> betas = o.value("betas", std::vector<double>{0.9, 0.999});
    if (kind == "Adam")
        return std::make_unique<optim::Adam>(
            params, optim::AdamOptions{.lr = o.value("lr", 0.001),
                                       .betas = {betas[0], betas[1]},
                                       .eps = o.value("eps", 1e-8),
                                       .weight_decay = o.value("weight_decay", 0.0),
                                       .amsgrad = o.value("amsgrad", false)});
    REQUIRE(kind == "AdamW");
    return std::make_unique<optim::AdamW>(
        params, optim::AdamWOptions{.lr = o.value("lr", 0.001),
                                    .betas = {betas[0], betas[1]},
                                    .eps = o.value("eps", 1e-8),
                                    .weight_decay = o.value("weight_decay", 0.01),
                                    .amsgrad = o.value("amsgrad", false)});
}

// One optimiser step from the grads given (null: no grad, as torch's None).
inline void oracle_step(optim::Optimizer& opt, const nlohmann::json& grads) {
    opt.zero_grad();
    for (size_t i = 0; i < opt.parameters().size(); ++i) {
        Tensor p = opt.parameters()[i];
        p.set_grad(oracle_tensor(grads.at(i)));
    }
    opt.step();
}

// How many float32 values lie between a and b (0 when equal; -0 and 0 equal).
inline int64_t ulps(float a, float b) {
    auto ordered = [](float x) {
        int32_t i;
        std::memcpy(&i, &x, sizeof i);
        return i < 0 ? static_cast<int64_t>(INT32_MIN) - i : static_cast<int64_t>(i);
    };
    return std::abs(ordered(a) - ordered(b));
}

// torch's float32 values to within a few ulps. Every operation is torch's, in
// its order, so they agree exactly here; the slack is for a libm whose pow or
// cos rounds otherwise.
constexpr int64_t kMaxUlps = 4;

// `atol` > 0 also accepts |got - want| <= atol: for SGD, whose kernel rounds
// momentum * buf and lr * buf apart where torch's fuse each into its add, so
// that an element passing near 0 differs in many of its own ulps while
// staying within round-off of the parameters' scale (about 1).
inline void check_parameters(const std::vector<Tensor>& params, const nlohmann::json& want,
                             const std::string& where, double atol = 0.0) {
    for (size_t i = 0; i < params.size(); ++i) {
        const std::vector<float> got = params[i].to_vector();
        const std::vector<float> expected = oracle_tensor(want.at(i)).to_vector();
        REQUIRE(got.size() == expected.size());
        for (size_t k = 0; k < got.size(); ++k) {
            INFO(where << ", parameter " << i << ", element " << k << ": got " << got[k]
                       << ", torch " << expected[k]);
            CHECK((ulps(got[k], expected[k]) <= kMaxUlps ||
                   std::abs(static_cast<double>(got[k]) - expected[k]) <= atol));
        }
    }
}

// Bit for bit: what a resumed run must give.
inline bool same_bits(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
    if (a.size() != b.size())
        return false;
    for (size_t i = 0; i < a.size(); ++i) {
        const std::vector<float> x = a[i].to_vector(), y = b[i].to_vector();
        if (x.size() != y.size() || std::memcmp(x.data(), y.data(), x.size() * sizeof(float)) != 0)
            return false;
    }
    return true;
}

}  // namespace tinynn::test
