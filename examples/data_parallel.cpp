// Data-parallel training from C++, without the tinynn command: the same
// program is one process (./data_parallel) or several (mpirun -n 2
// ./data_parallel), and prints the same losses to float32 round-off either
// way (docs/distributed.md). Every rank runs the whole program; each takes
// its share of every batch, the gradients are summed over the ranks, and
// every rank takes the same optimiser step. Rank 0 alone prints.
//
// Exits with status 1 when training does not bring the loss down.

#include <cstdio>

#include <tinynn/experiment/distributed.hpp>
#include <tinynn/experiment/trainer.hpp>
#include <tinynn/tinynn.hpp>

using namespace tinynn;

int main(int argc, char** argv) {
    distributed::init(&argc, &argv);  // first: MPI when started by mpirun
    // The same data and the same initial weights on every rank (fit() also
    // gives every rank rank 0's weights before the first step).
    Generator gen(7);
    const data::Dataset moons = data::make_synthetic({.kind = "moons", .samples = 512}, gen);
    manual_seed(1);
    nn::Sequential model(nn::Linear(2, 32), nn::Tanh(), nn::Linear(32, 32), nn::Tanh(),
                         nn::Linear(32, 2));
    optim::SGD optimizer(model.parameters(), {.lr = 0.2f, .momentum = 0.9f});
    data::DataLoader loader(moons, 64, /*shuffle=*/true, /*seed=*/1);
    const experiment::TrainResult result =
        experiment::fit(model, optimizer, loader,
                        [](const Tensor& logits, const Tensor& labels) {
                            return nn::functional::cross_entropy(logits, labels);
                        },
                        {.epochs = 30, .data_parallel = true});

    const double first = result.history.front().train_loss;
    const double last = result.history.back().train_loss;
    if (distributed::rank() == 0)
        std::printf("%d rank(s): train loss %.6f -> %.6f\n", distributed::size(), first, last);
    const int status = last < 0.3 * first ? 0 : 1;
    distributed::finish(status);
    return status;
}
