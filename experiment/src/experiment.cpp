#include "tinynn/experiment/experiment.hpp"

#include "tinynn/autograd.hpp"
#include "tinynn/experiment/memory.hpp"
#include "tinynn/models/init.hpp"
#include "tinynn/models/registry.hpp"
#include "tinynn/nn.hpp"
#include "tinynn/serialize.hpp"

namespace tinynn::experiment {

namespace {

data::Dataset load_data(const DataConfig& d, Generator& gen) {
    if (d.kind == "csv")
        return data::load_csv(
            {.path = d.path, .header = d.header, .target = d.target, .task = d.task});
    return data::make_synthetic({.kind = d.kind,
                                 .samples = d.samples,
                                 .noise = static_cast<float>(d.noise),
                                 .classes = d.classes},
                                gen);
}

}  // namespace

int64_t output_width(const Config& config, bool classification, int64_t classes,
                     int64_t regression_outputs) {
    if (!classification)
        return regression_outputs;
    // A binary task may use one sigmoid-style output with MSE: a layer list
    // says so with its last Linear's width.
    const models::ModelSpec& m = config.model;
    if (config.loss == Loss::mse && classes == 2 && m.kind == "mlp" && m.layers_given) {
        for (auto it = m.layers.rbegin(); it != m.layers.rend(); ++it)
            if (it->type == models::LayerType::linear)
                return it->out == 1 ? 1 : 2;
    }
    return classes;
}

data::Dataset encode_targets(const data::Dataset& set, const Experiment& e, int64_t outputs) {
    data::Dataset out = set;  // shares the feature tensor
    if (!e.classification || e.config.loss == Loss::cross_entropy)
        return out;
    out.targets =
        outputs == 1 ? set.targets.reshape({set.size(), 1}) : data::one_hot(set.targets, e.classes);
    return out;
}

Experiment prepare_experiment(const Config& config) {
    NoGradGuard no_grad;
    Experiment e;
    e.config = config;
    // Refused before anything large is allocated; again once the data is
    // loaded (a CSV file's exact size and classes), before the model is built.
    check_memory_before_loading(config);
    Generator gen(config.seed);  // data, split: all from the config's seed
    data::Dataset all = load_data(config.data, gen);
    check_memory(config, shape_of(all));
    e.split = data::train_test_split(all, config.data.test_split, config.data.shuffle_split, gen);
    if (config.data.normalize) {
        e.standardizer = data::Standardizer::fit(e.split.train);
        e.standardizer->apply(e.split.train);
        if (e.split.test.size() > 0)
            e.standardizer->apply(e.split.test);
    }
    e.classification = all.task == data::Task::classification;
    e.classes = all.num_classes;
    if (config.loss == Loss::cross_entropy && !e.classification)
        throw Error("loss: cross_entropy needs a classification task; data '" + config.data.kind +
                    "' is a regression task (use mse)");
    const auto& early = config.training.early_stopping;
    if (early && early->monitor == Monitor::test_accuracy && !e.classification)
        throw Error(
            "training.early_stopping.monitor: test_accuracy needs a classification task; "
            "data '" +
            config.data.kind + "' is a regression task (monitor test_loss)");

    const int64_t outputs =
        output_width(config, e.classification, e.classes, e.split.train.num_outputs());
    e.config.model = models::with_data(config.model, all.num_features(), outputs);
    manual_seed(config.run_seed.value_or(config.seed));  // the model's initial weights
    e.model = models::build_model(e.config.model);
    if (e.config.model.kind != "mlp")
        // Its size is known only now; what it would take to train it is not.
        check_memory(config, shape_of(all), registry_parameters(e.config.model, *e.model));
    models::initialize(*e.model, e.config.model);
    if (!config.model.init_from.empty())
        load(*e.model, config.model.init_from);

    e.train_encoded = encode_targets(e.split.train, e, outputs);
    e.test_encoded = encode_targets(e.split.test, e, outputs);
    return e;
}

Tensor compute_loss(Loss loss, const Tensor& output, const Tensor& targets) {
    if (loss == Loss::cross_entropy)
        return nn::functional::cross_entropy(output, targets);
    return nn::functional::mse_loss(output, targets);
}

}  // namespace tinynn::experiment
