// StepLR, MultiStepLR, ExponentialLR and CosineAnnealingLR against PyTorch
// 1.13 (tests/data/oracles/optim.json): the lr of every epoch exactly, and the
// parameters of SGD and Adam driven by them; options and state round trips.

#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <tinynn/optim.hpp>
#include <tinynn/tensor.hpp>

#include "optim/trajectory.hpp"

using tinynn::Error;
using tinynn::Tensor;
using tinynn::optim::CosineAnnealingLR;
using tinynn::optim::ExponentialLR;
using tinynn::optim::LRScheduler;
using tinynn::optim::MultiStepLR;
using tinynn::optim::Optimizer;
using tinynn::optim::SGD;
using tinynn::optim::State;
using tinynn::optim::StepLR;
using namespace tinynn::test;

namespace {

// 50 steps of SGD with momentum 0.9 on parameters of about 1 (see
// check_parameters): a few float32 ulps of 1.
constexpr double kSgdTolerance = 1e-6;

std::unique_ptr<LRScheduler> oracle_scheduler(const nlohmann::json& c, Optimizer& opt) {
    const nlohmann::json& a = c.at("args");
    const std::string kind = c.at("scheduler");
    if (kind == "StepLR")
        return std::make_unique<StepLR>(opt, a.at("step_size").get<int64_t>(),
                                        a.at("gamma").get<double>());
    if (kind == "MultiStepLR")
        return std::make_unique<MultiStepLR>(opt, a.at("milestones").get<std::vector<int64_t>>(),
                                             a.at("gamma").get<double>());
    if (kind == "ExponentialLR")
        return std::make_unique<ExponentialLR>(opt, a.at("gamma").get<double>());
    REQUIRE(kind == "CosineAnnealingLR");
    return std::make_unique<CosineAnnealingLR>(opt, a.at("T_max").get<int64_t>(),
                                               a.at("eta_min").get<double>());
}

// One epoch of the case: its optimiser steps, then the scheduler's step.
void run_epoch(const nlohmann::json& c, size_t epoch, Optimizer& opt, LRScheduler& sched) {
    for (const nlohmann::json& g : c.at("grads").at(epoch))
        oracle_step(opt, g);
    sched.step();
}

}  // namespace

TEST_CASE("Schedulers give torch 1.13's lr every epoch, and its parameters", "[optim][scheduler]") {
    for (const nlohmann::json& c : optim_oracle().at("schedulers")) {
        const std::string name = c.at("name");
        SECTION(name) {
            std::vector<Tensor> params = oracle_parameters(c);
            auto opt = oracle_optimizer(c, params);
            auto sched = oracle_scheduler(c, *opt);
            const nlohmann::json& lrs = c.at("lrs");
            for (size_t epoch = 0; epoch < lrs.size(); ++epoch) {
                INFO(name << " epoch " << epoch);
                // Python's double, bit for bit.
                CHECK(sched->get_last_lr() == lrs.at(epoch).get<double>());
                CHECK(opt->lr() == lrs.at(epoch).get<double>());
                CHECK(sched->last_epoch() == static_cast<int64_t>(epoch));
                run_epoch(c, epoch, *opt, *sched);
                check_parameters(params, c.at("params").at(epoch),
                                 name + " epoch " + std::to_string(epoch),
                                 c.at("optimizer") == "SGD" ? kSgdTolerance : 0.0);
            }
        }
    }
}

TEST_CASE("A scheduler and its optimiser resume bit for bit from their states",
          "[optim][scheduler]") {
    for (const nlohmann::json& c : optim_oracle().at("schedulers")) {
        const std::string name = c.at("name");
        const size_t epochs = c.at("lrs").size();
        std::vector<Tensor> straight = oracle_parameters(c);
        auto opt = oracle_optimizer(c, straight);
        auto sched = oracle_scheduler(c, *opt);
        for (size_t epoch = 0; epoch < epochs; ++epoch)
            run_epoch(c, epoch, *opt, *sched);

        for (size_t split : {1, 8, 13}) {
            INFO(name << " split after epoch " << split);
            std::vector<Tensor> first = oracle_parameters(c);
            auto opt1 = oracle_optimizer(c, first);
            auto sched1 = oracle_scheduler(c, *opt1);
            for (size_t epoch = 0; epoch < split; ++epoch)
                run_epoch(c, epoch, *opt1, *sched1);
            const State opt_state = opt1->state();
            const State sched_state = sched1->state();

            // A new process: parameters as loaded from the checkpoint, an
            // optimiser and a scheduler made from the config, then the states.
            std::vector<Tensor> second;
            for (const Tensor& p : first)
                second.push_back(Tensor(p.to_vector(), p.shape()).requires_grad_());
            auto opt2 = oracle_optimizer(c, second);
            auto sched2 = oracle_scheduler(c, *opt2);
            opt2->load_state(opt_state);
            sched2->load_state(sched_state);
            CHECK(sched2->last_epoch() == static_cast<int64_t>(split));
            CHECK(opt2->lr() == c.at("lrs").at(split).get<double>());
            for (size_t epoch = split; epoch < epochs; ++epoch)
                run_epoch(c, epoch, *opt2, *sched2);
            CHECK(same_bits(second, straight));
            CHECK(sched2->get_last_lr() == sched->get_last_lr());
            CHECK(opt2->lr() == opt->lr());
        }
    }
}

TEST_CASE("A scheduler's state holds its epoch, lrs and options", "[optim][scheduler]") {
    Tensor w = Tensor({1.0f}).requires_grad_();
    SGD opt({w}, {.lr = 0.5f});
    MultiStepLR sched(opt, {4, 2, 2}, 0.5);
    CHECK(sched.last_epoch() == 0);
    CHECK(sched.base_lr() == 0.5);
    sched.step();
    sched.step();
    CHECK(sched.get_last_lr() == 0.125);  // milestone 2 listed twice: gamma twice
    const State s = sched.state();
    CHECK(s.kind == "MultiStepLR");
    CHECK(s.counts.at("last_epoch") == 2);
    CHECK(s.values.at("base_lr") == 0.5);
    CHECK(s.values.at("last_lr") == 0.125);
    CHECK(s.values.at("milestones.0") == 2.0);

    SGD opt2({w}, {.lr = 0.5f});
    StepLR wrong_kind(opt2, 2);
    CHECK_THROWS_WITH(
        wrong_kind.load_state(s),
        "StepLR: load_state: expected a state of kind StepLR, found kind MultiStepLR");
    MultiStepLR other(opt2, {4, 2, 2}, 0.25);
    CHECK_THROWS_WITH(other.load_state(s),
                      "MultiStepLR: load_state: gamma is 0.25 but the state was saved with 0.5");
    MultiStepLR fewer(opt2, {4, 2}, 0.5);
    CHECK_THROWS_WITH(fewer.load_state(s), Catch::Contains("milestones is 2 but the state was "
                                                           "saved with 3"));
}

TEST_CASE("A scheduler composes with an lr set by hand, as torch's chainable form",
          "[optim][scheduler]") {
    Tensor w = Tensor({1.0f}).requires_grad_();
    SGD opt({w}, {.lr = 1.0f});
    ExponentialLR sched(opt, 0.5);
    sched.step();
    CHECK(opt.lr() == 0.5);
    opt.set_lr(4.0);
    sched.step();
    CHECK(opt.lr() == 2.0);
    CHECK(sched.get_last_lr() == 2.0);
}

TEST_CASE("Scheduler options are checked at construction", "[optim][scheduler]") {
    Tensor w = Tensor({1.0f}).requires_grad_();
    SGD opt({w}, {.lr = 0.1f});
    CHECK_THROWS_WITH(StepLR(opt, 0), "StepLR: invalid step_size 0: expected at least 1");
    CHECK_THROWS_WITH(StepLR(opt, 3, std::nan("")),
                      "StepLR: invalid gamma nan: expected a finite value");
    CHECK_THROWS_WITH(MultiStepLR(opt, {3, -1}),
                      "MultiStepLR: invalid milestone -1: expected a value >= 0");
    CHECK_THROWS_WITH(CosineAnnealingLR(opt, 0),
                      "CosineAnnealingLR: invalid T_max 0: expected at least 1");
    CHECK_THROWS_WITH(CosineAnnealingLR(opt, 10, -0.5),
                      "CosineAnnealingLR: invalid eta_min -0.5: expected a finite value >= 0");
    // None of them touched the optimiser's lr.
    CHECK(opt.lr() == static_cast<double>(0.1f));
}
