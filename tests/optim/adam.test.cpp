// Adam and AdamW against PyTorch 1.13's trajectories (tests/data/oracles/optim.json),
// their options, the learning rate set while training, and state round trips.

#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <tinynn/optim.hpp>
#include <tinynn/tensor.hpp>

#include "optim/trajectory.hpp"

using tinynn::Error;
using tinynn::Tensor;
using tinynn::optim::Adam;
using tinynn::optim::AdamOptions;
using tinynn::optim::AdamW;
using tinynn::optim::AdamWOptions;
using tinynn::optim::Optimizer;
using tinynn::optim::SGD;
using tinynn::optim::State;
using namespace tinynn::test;

namespace {

std::vector<Tensor> copies(const std::vector<Tensor>& params) {
    std::vector<Tensor> out;
    for (const Tensor& p : params)
        out.push_back(Tensor(p.to_vector(), p.shape()).requires_grad_());
    return out;
}

// Runs the case's first `split` steps, moves the state into a new optimiser
// over copies of the parameters, runs the rest there, and compares with the
// same steps run without a break.
void check_resume(const std::string& name, size_t split) {
    const nlohmann::json& c = optim_case("optimizers", name);
    const nlohmann::json& grads = c.at("grads");
    std::vector<Tensor> straight = oracle_parameters(c);
    auto uninterrupted = oracle_optimizer(c, straight);
    for (const nlohmann::json& g : grads)
        oracle_step(*uninterrupted, g);

    std::vector<Tensor> first = oracle_parameters(c);
    auto before = oracle_optimizer(c, first);
    for (size_t s = 0; s < split; ++s)
        oracle_step(*before, grads.at(s));
    const State state = before->state();
    std::vector<Tensor> second = copies(first);
    auto after = oracle_optimizer(c, second);
    after->load_state(state);
    for (size_t s = split; s < grads.size(); ++s)
        oracle_step(*after, grads.at(s));
    CHECK(same_bits(second, straight));
}

}  // namespace

TEST_CASE("Adam and AdamW follow torch 1.13's trajectories", "[optim][adam]") {
    for (const nlohmann::json& c : optim_oracle().at("optimizers")) {
        const std::string name = c.at("name");
        SECTION(name) {
            std::vector<Tensor> params = oracle_parameters(c);
            auto opt = oracle_optimizer(c, params);
            const nlohmann::json& grads = c.at("grads");
            for (size_t s = 0; s < grads.size(); ++s) {
                oracle_step(*opt, grads.at(s));
                check_parameters(params, c.at("params").at(s), name + " step " + std::to_string(s));
            }
        }
    }
}

TEST_CASE("Adam's defaults are torch's, and AdamW's weight decay defaults to 0.01",
          "[optim][adam]") {
    Tensor w = Tensor({1.0f, 2.0f}).requires_grad_();
    Adam adam({w});
    CHECK(adam.lr() == 0.001);
    CHECK(adam.options().betas[0] == 0.9);
    CHECK(adam.options().betas[1] == 0.999);
    CHECK(adam.options().eps == 1e-8);
    CHECK(adam.options().weight_decay == 0.0);
    CHECK_FALSE(adam.options().amsgrad);
    CHECK(adam.kind() == "Adam");
    // Designated initialisers keep the other defaults, AdamW's decay too.
    AdamW adamw({w}, {.lr = 0.01});
    CHECK(adamw.lr() == 0.01);
    CHECK(adamw.options().weight_decay == 0.01);
    CHECK(adamw.kind() == "AdamW");
}

TEST_CASE("Adam's options are checked at construction", "[optim][adam]") {
    Tensor w = Tensor({1.0f}).requires_grad_();
    CHECK_THROWS_WITH(Adam({w}, {.lr = -0.1}),
                      "Adam: invalid lr -0.1: expected a finite value >= 0");
    CHECK_THROWS_WITH(Adam({w}, {.betas = {1.0, 0.999}}),
                      "Adam: invalid beta1 (betas[0]) 1: expected a value in [0, 1)");
    CHECK_THROWS_WITH(Adam({w}, {.betas = {0.9, -0.5}}),
                      "Adam: invalid beta2 (betas[1]) -0.5: expected a value in [0, 1)");
    CHECK_THROWS_WITH(Adam({w}, {.eps = std::nan("")}),
                      "Adam: invalid eps nan: expected a finite value >= 0");
    CHECK_THROWS_WITH(AdamW({w}, {.weight_decay = -1.0}),
                      "AdamW: invalid weight_decay -1: expected a finite value >= 0");
    CHECK_THROWS_AS(Adam({}, {}), Error);
}

TEST_CASE("The learning rate is read and set between steps", "[optim][adam][sgd]") {
    Tensor w = Tensor({1.0f, -2.0f}).requires_grad_();
    SGD sgd({w}, {.lr = 0.5f});
    CHECK(sgd.lr() == 0.5);
    sgd.set_lr(0.25);
    CHECK(sgd.lr() == 0.25);
    CHECK(sgd.options().lr == 0.25f);
    w.set_grad(Tensor({1.0f, 1.0f}));
    sgd.step();
    CHECK(w.to_vector() == std::vector<float>{0.75f, -2.25f});
    CHECK_THROWS_WITH(sgd.set_lr(-1.0), "SGD: invalid lr -1: expected a finite value >= 0");
    CHECK_THROWS_WITH(sgd.set_lr(std::numeric_limits<double>::infinity()),
                      "SGD: invalid lr inf: expected a finite value >= 0");
    CHECK(sgd.lr() == 0.25);

    // Adam's first step moves each element by lr (m / sqrt(v) is the grad's sign).
    Tensor v = Tensor({1.0f, -2.0f}).requires_grad_();
    Adam adam({v}, {.lr = 0.5});
    adam.set_lr(0.125);
    CHECK(adam.options().lr == 0.125);
    v.set_grad(Tensor({3.0f, -4.0f}));
    adam.step();
    CHECK(v.to_vector() == std::vector<float>{0.875f, -1.875f});
}

TEST_CASE("Adam skips a parameter without a grad, step count included", "[optim][adam]") {
    Tensor a = Tensor({1.0f}).requires_grad_();
    Tensor b = Tensor({1.0f}).requires_grad_();
    Adam adam({a, b}, {.lr = 0.1});
    a.set_grad(Tensor({1.0f}));
    adam.step();
    CHECK(b.item() == 1.0f);
    State s = adam.state();
    CHECK(s.counts.at("0.step") == 1);
    CHECK(s.counts.count("1.step") == 0);
    CHECK(s.tensors.count("1.exp_avg") == 0);
}

TEST_CASE("An optimiser's state continues its trajectory bit for bit", "[optim][adam][sgd]") {
    for (const char* name :
         {"adam_default", "adam_weight_decay", "adam_amsgrad", "adamw_default", "adamw_amsgrad"})
        for (size_t split : {1, 5, 11}) {
            INFO(name << " split after step " << split);
            check_resume(name, split);
        }
    // SGD with momentum, with the scheduler cases' SGD options and grads.
    const nlohmann::json& c = optim_case("schedulers", "step_lr_sgd");
    std::vector<nlohmann::json> grads;
    for (const nlohmann::json& epoch : c.at("grads"))
        for (const nlohmann::json& g : epoch)
            grads.push_back(g);
    std::vector<Tensor> straight = oracle_parameters(c);
    auto uninterrupted = oracle_optimizer(c, straight);
    for (const nlohmann::json& g : grads)
        oracle_step(*uninterrupted, g);
    std::vector<Tensor> first = oracle_parameters(c);
    auto before = oracle_optimizer(c, first);
    for (size_t s = 0; s < 7; ++s)
        oracle_step(*before, grads[s]);
    std::vector<Tensor> second = copies(first);
    auto after = oracle_optimizer(c, second);
    after->load_state(before->state());
    for (size_t s = 7; s < grads.size(); ++s)
        oracle_step(*after, grads[s]);
    CHECK(same_bits(second, straight));
}

TEST_CASE("A state holds named float tensors, counts and values", "[optim][adam]") {
    Tensor w = Tensor({1.0f, 2.0f, 3.0f, 4.0f}, {2, 2}).requires_grad_();
    Adam adam({w}, {.lr = 0.01, .amsgrad = true});
    w.set_grad(Tensor({1.0f, -1.0f, 0.5f, 2.0f}, {2, 2}));
    adam.step();
    adam.step();
    const State s = adam.state();
    CHECK(s.kind == "Adam");
    CHECK(s.counts.at("parameters") == 1);
    CHECK(s.counts.at("0.step") == 2);
    CHECK(s.values.at("lr") == 0.01);
    CHECK(s.values.at("beta2") == 0.999);
    CHECK(s.values.at("amsgrad") == 1.0);
    for (const char* name : {"0.exp_avg", "0.exp_avg_sq", "0.max_exp_avg_sq"})
        CHECK(s.tensors.at(name).shape() == tinynn::Shape{2, 2});
    // A copy, not the optimiser's own buffers: stepping on leaves it as it was.
    const std::vector<float> saved = s.tensors.at("0.exp_avg").to_vector();
    adam.step();
    CHECK(s.tensors.at("0.exp_avg").to_vector() == saved);
}

TEST_CASE("A state that does not fit is refused, naming the difference", "[optim][adam][sgd]") {
    Tensor w = Tensor({1.0f, 2.0f}).requires_grad_();
    Tensor b = Tensor({0.5f}).requires_grad_();
    Adam adam({w, b}, {.lr = 0.01});
    w.set_grad(Tensor({1.0f, 1.0f}));
    b.set_grad(Tensor({1.0f}));
    adam.step();
    const State state = adam.state();

    Tensor w2 = Tensor({1.0f, 2.0f}).requires_grad_();
    Tensor b2 = Tensor({0.5f}).requires_grad_();
    SGD sgd({w2, b2}, {.lr = 0.1f, .momentum = 0.9f});
    CHECK_THROWS_WITH(sgd.load_state(state),
                      "SGD: load_state: expected a state of kind SGD, found kind Adam");
    AdamW adamw({w2, b2});
    CHECK_THROWS_WITH(adamw.load_state(state),
                      "AdamW: load_state: expected a state of kind AdamW, found kind Adam");

    Adam one({w2}, {.lr = 0.01});
    CHECK_THROWS_WITH(
        one.load_state(state),
        "Adam: load_state: expected the state of 1 parameter(s), found the state of 2");

    Tensor wide = Tensor({1.0f, 2.0f, 3.0f}).requires_grad_();
    Adam shaped({wide, b2}, {.lr = 0.01});
    CHECK_THROWS_WITH(shaped.load_state(state),
                      "Adam: load_state: parameter 0 has shape [3] but the state's \"0.exp_avg\" "
                      "has shape [2]");

    Adam other({w2, b2}, {.lr = 0.01, .betas = {0.8, 0.999}});
    CHECK_THROWS_WITH(other.load_state(state),
                      "Adam: load_state: beta1 is 0.8 but the state was saved with 0.9");
    Adam ams({w2, b2}, {.lr = 0.01, .amsgrad = true});
    CHECK_THROWS_WITH(ams.load_state(state),
                      "Adam: load_state: amsgrad is 1 but the state was saved with 0");

    State extra = state;
    extra.tensors["7.exp_avg"] = Tensor({1.0f});
    Adam same({w2, b2}, {.lr = 0.5});
    CHECK_THROWS_WITH(same.load_state(extra),
                      Catch::Contains("with an index below 2, found \"7.exp_avg\""));
    // Nothing was changed by the refusals; the lr comes with the state.
    CHECK(same.lr() == 0.5);
    CHECK(same.state().counts.count("0.step") == 0);
    same.load_state(state);
    CHECK(same.lr() == 0.01);
    CHECK(same.state().counts.at("0.step") == 1);
}
