// docs/interop.md's Python reader (tools/tinynn_safetensors.py), run with
// Debian's python3-torch: a run's model.safetensors loads into
// torch.nn.Sequential, its metadata prepares new rows as tinynn predict
// does, and weights saved from torch load back into tinynn.

#include <cstdlib>
#include <string>

#include <catch2/catch.hpp>
#include <tinynn/tinynn.hpp>

#include "support/cli.hpp"
#include "support/csv_run.hpp"
#include "support/skip.hpp"

using namespace tinynn;
using namespace tinynn::test;

TEST_CASE("PyTorch reads a run's weights and metadata, and writes weights tinynn reads",
          "[cli][interop][predict]") {
    if (std::system("/usr/bin/python3 -c 'import torch.nn' > /dev/null 2>&1") != 0) {
        skip_test("/usr/bin/python3 cannot import torch.nn (apt-get install python3-torch)");
        return;
    }
    TempDir dir;
    train_csv_run(dir.path());
    write_new_rows(dir.path() / "new.csv", false);
    const auto predicted = run_tinynn(
        {"predict", "run", "--input", "new.csv", "--output", "predictions.csv"}, dir.path());
    REQUIRE(predicted.status == 0);

    const std::string command =
        "/usr/bin/python3 " + test_data("interop/check_reader.py").string() + " " +
        (dir.path() / "run/model.safetensors").string() + " " + (dir.path() / "new.csv").string() +
        " " + (dir.path() / "predictions.csv").string() + " " +
        (dir.path() / "torch.safetensors").string();
    REQUIRE(std::system(command.c_str()) == 0);

    // The reverse direction: what torch saved is what tinynn trained.
    auto model = nn::Sequential(nn::Linear(2, 16), nn::Tanh(), nn::Linear(16, 2));
    load(model, dir.path() / "torch.safetensors");
    const nn::StateDict trained = load_safetensors(dir.path() / "run/model.safetensors");
    const nn::StateDict loaded = model.state_dict();
    REQUIRE(loaded.size() == trained.size());
    for (size_t i = 0; i < loaded.size(); ++i) {
        CHECK(loaded[i].first == trained[i].first);
        CHECK(loaded[i].second.to_vector() == trained[i].second.to_vector());
    }
    CHECK(load_safetensors_metadata(dir.path() / "torch.safetensors") ==
          SafetensorsMetadata{{"written_by", "torch"}});
}
